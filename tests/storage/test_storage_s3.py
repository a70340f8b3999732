import pytest
import requests

from app.storage import Storage, StorageKeyNotFound, StorageKeyNotPublic, make_storage
from app.storage.s3 import S3Storage


def test_make_storage_picks_the_s3_backend_from_config(s3_storage):
    assert isinstance(s3_storage, S3Storage)
    assert isinstance(s3_storage, Storage)


def test_a_stored_object_comes_back_byte_for_byte(s3_storage, unique_key):
    key = unique_key("originals")

    s3_storage.put(key, b"\xff\xd8 photo bytes", "image/jpeg")

    assert s3_storage.get(key) == b"\xff\xd8 photo bytes"


def test_the_content_type_is_stored_with_the_object(s3_storage, unique_key):
    key = unique_key("derivatives")

    s3_storage.put(key, b"jpeg", "image/jpeg")

    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=key)
    assert head["ContentType"] == "image/jpeg"


def test_exists_tells_stored_from_missing_keys(s3_storage, unique_key):
    key = unique_key("originals")
    s3_storage.put(key, b"x", "image/jpeg")

    assert s3_storage.exists(key)
    assert not s3_storage.exists(unique_key("originals"))


def test_a_deleted_object_is_gone(s3_storage, unique_key):
    key = unique_key("originals")
    s3_storage.put(key, b"x", "image/jpeg")

    s3_storage.delete(key)

    assert not s3_storage.exists(key)
    s3_storage.delete(key)  # a second delete, as a re-run job would do, is harmless


def test_getting_a_missing_key_raises_storage_key_not_found(s3_storage, unique_key):
    with pytest.raises(StorageKeyNotFound):
        s3_storage.get(unique_key("originals"))


def test_a_presigned_derivative_url_serves_the_bytes_over_http(s3_storage, unique_key):
    key = unique_key("derivatives") + "/large.jpg"
    s3_storage.put(key, b"derivative jpeg", "image/jpeg")

    response = requests.get(s3_storage.url(key, expires=60), timeout=10)

    assert response.status_code == 200
    assert response.content == b"derivative jpeg"


def test_presigned_urls_use_path_style_addressing_on_a_custom_endpoint(s3_storage, s3_config):
    url = s3_storage.url("derivatives/abc.jpg")

    assert url.startswith(f"{s3_config['S3_ENDPOINT_URL']}/{s3_config['S3_BUCKET']}/derivatives/abc.jpg?")


def test_originals_never_get_a_url(s3_storage):
    with pytest.raises(StorageKeyNotPublic):
        s3_storage.url("originals/abc")


def test_originals_are_stored_without_a_public_grant(s3_storage, unique_key):
    key = unique_key("originals")
    s3_storage.put(key, b"x", "image/jpeg")

    grants = s3_storage.client.get_object_acl(Bucket=s3_storage.bucket, Key=key)["Grants"]

    assert all(grant["Grantee"].get("Type") == "CanonicalUser" for grant in grants)


def test_the_s3_backend_needs_a_bucket():
    with pytest.raises(ValueError, match="S3_BUCKET"):
        make_storage({"STORAGE_BACKEND": "s3"})
