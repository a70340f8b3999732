"""Storage on the local file system, the embedded default (``uploads/``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .base import (
    DEFAULT_URL_EXPIRES,
    InvalidStorageKey,
    StorageKeyNotFound,
    require_public_key,
    validate_key,
)

DEFAULT_URL_PREFIX = "/media/"


class LocalStorage:
    def __init__(self, root: str | os.PathLike, url_prefix: str = DEFAULT_URL_PREFIX):
        self.root = Path(root).resolve()
        self.url_prefix = url_prefix

    @classmethod
    def from_config(cls, config: Mapping) -> LocalStorage:
        upload_dir = config.get("UPLOAD_DIR")
        if not upload_dir:
            raise ValueError("STORAGE_BACKEND=local needs UPLOAD_DIR")
        return cls(upload_dir, config.get("LOCAL_MEDIA_URL_PREFIX", DEFAULT_URL_PREFIX))

    def path_for(self, key: str) -> Path:
        """Where ``key`` lives on disk (whether or not it exists yet)."""
        path = (self.root / validate_key(key)).resolve()
        # validate_key already stops "..", this also stops a symlink planted inside root.
        if not path.is_relative_to(self.root):
            raise InvalidStorageKey(f"storage key {key!r} resolves outside the upload dir")
        return path

    def public_path_for(self, key: str) -> Path:
        """The file the media route may send: derivatives only, and it must exist."""
        path = self.path_for(require_public_key(key))
        if not path.is_file():
            raise StorageKeyNotFound(key)
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # content_type is not kept: the media route serves derivatives, which are
        # all JPEG, and send_file guesses from the key's extension.
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, data)

    def get(self, key: str) -> bytes:
        try:
            return self.path_for(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StorageKeyNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def delete(self, key: str) -> None:
        # Missing is fine: jobs run at least once, so a second delete must not fail.
        try:
            self.path_for(key).unlink()
        except FileNotFoundError:
            pass

    def url(self, key: str, expires: int = DEFAULT_URL_EXPIRES) -> str:
        # Local URLs do not expire; the argument keeps the backends interchangeable.
        return self.url_prefix + require_public_key(key)


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never a half-written photo."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes 0600; the web server may run as another user
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
