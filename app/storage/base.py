"""The contract every storage backend keeps, and the key rules they share.

Keys are "/"-separated relative names such as ``originals/<uuid>`` or
``derivatives/<uuid>/large.jpg``. Only keys under ``derivatives/`` may ever be
handed out as URLs: originals still carry the reporter's EXIF (GPS, camera serial).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

PUBLIC_PREFIX = "derivatives/"
DEFAULT_URL_EXPIRES = 3600


class StorageError(Exception):
    """Base class for everything the storage seam raises on purpose."""


class StorageKeyNotFound(StorageError, LookupError):
    def __init__(self, key: str):
        super().__init__(f"no stored object under key {key!r}")
        self.key = key


class InvalidStorageKey(StorageError, ValueError):
    pass


class StorageKeyNotPublic(StorageError, PermissionError):
    def __init__(self, key: str):
        super().__init__(f"key {key!r} is private; only {PUBLIC_PREFIX!r} keys get URLs")
        self.key = key


@runtime_checkable
class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def url(self, key: str, expires: int = DEFAULT_URL_EXPIRES) -> str: ...


def validate_key(key: str) -> str:
    """Refuse anything that could escape the storage root or hide among temp files.

    Both backends apply the same rule so a key that works locally works on S3.
    Segments starting with "." are refused outright: that covers "." and ".."
    and keeps the local backend's ".tmp-" files out of the key space.
    """
    if not isinstance(key, str) or not key:
        raise InvalidStorageKey("storage key must be a non-empty string")
    if "\\" in key or "\x00" in key:
        raise InvalidStorageKey(f"storage key {key!r} contains a forbidden character")
    if key.startswith("/"):
        raise InvalidStorageKey(f"storage key {key!r} must be relative")
    for segment in key.split("/"):
        if not segment or segment.startswith("."):
            raise InvalidStorageKey(f"storage key {key!r} has an empty or dot segment")
    return key


def is_public_key(key: str) -> bool:
    return key.startswith(PUBLIC_PREFIX)


def require_public_key(key: str) -> str:
    validate_key(key)
    if not is_public_key(key):
        raise StorageKeyNotPublic(key)
    return key
