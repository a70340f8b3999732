"""The storage seam: one backend chosen by config, the same five calls everywhere.

This package imports nothing from the rest of ``app`` so it loads before (and
without) the application factory.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import (
    DEFAULT_URL_EXPIRES,
    PUBLIC_PREFIX,
    InvalidStorageKey,
    Storage,
    StorageError,
    StorageKeyNotFound,
    StorageKeyNotPublic,
    is_public_key,
    validate_key,
)
from .local import LocalStorage

__all__ = [
    "DEFAULT_URL_EXPIRES",
    "PUBLIC_PREFIX",
    "InvalidStorageKey",
    "LocalStorage",
    "Storage",
    "StorageError",
    "StorageKeyNotFound",
    "StorageKeyNotPublic",
    "is_public_key",
    "make_storage",
    "validate_key",
]


def make_storage(config: Mapping) -> Storage:
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "local":
        return LocalStorage.from_config(config)
    if backend == "s3":
        # Imported here so the local backend never needs boto3 loaded.
        from .s3 import S3Storage

        return S3Storage.from_config(config)
    raise ValueError(f"unknown STORAGE_BACKEND {backend!r} (expected 'local' or 's3')")
