"""Storage on an S3-compatible service (AWS, Tencent COS, Aliyun OSS, MinIO).

The only module allowed to import boto3 (DESIGN.md §3, habit 6).
"""

from __future__ import annotations

from collections.abc import Mapping

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .base import (
    DEFAULT_URL_EXPIRES,
    StorageKeyNotFound,
    require_public_key,
    validate_key,
)

DEFAULT_REGION = "ap-shanghai"
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    def __init__(self, client, bucket: str):
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_config(cls, config: Mapping) -> S3Storage:
        bucket = config.get("S3_BUCKET")
        if not bucket:
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return cls(make_client(config), bucket)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # No ACL argument on purpose: objects inherit the bucket's private default,
        # and derivatives are reached through presigned URLs, not public reads.
        self.client.put_object(
            Bucket=self.bucket, Key=validate_key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=validate_key(key))
        except ClientError as error:
            if _is_missing(error):
                raise StorageKeyNotFound(key) from None
            raise
        with response["Body"] as body:
            return body.read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=validate_key(key))
        except ClientError as error:
            if _is_missing(error):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        # S3 deletes are idempotent already, which suits at-least-once jobs.
        self.client.delete_object(Bucket=self.bucket, Key=validate_key(key))

    def url(self, key: str, expires: int = DEFAULT_URL_EXPIRES) -> str:
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": require_public_key(key)},
            ExpiresIn=expires,
        )


def make_client(config: Mapping):
    endpoint_url = config.get("S3_ENDPOINT_URL") or None
    # A private session keeps us off boto3's module-level default session,
    # which is not safe to share between threads.
    session = boto3.session.Session(**_credentials(config))
    return session.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=config.get("S3_REGION") or DEFAULT_REGION,
        config=Config(
            signature_version="s3v4",
            # MinIO and moto serve buckets under the path, not as subdomains.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        ),
    )


def _credentials(config: Mapping) -> dict:
    """Explicit keys if configured, otherwise boto3's default chain (env, profile, IAM role)."""
    key_id = config.get("S3_ACCESS_KEY_ID")
    secret = config.get("S3_SECRET_ACCESS_KEY")
    if key_id and secret:
        return {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    return {}


def _is_missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _MISSING_CODES
