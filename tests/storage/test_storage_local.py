import os

import pytest

from app.storage import (
    InvalidStorageKey,
    LocalStorage,
    Storage,
    StorageKeyNotFound,
    StorageKeyNotPublic,
    make_storage,
)

TRAVERSAL_KEYS = [
    "../escape",
    "originals/../../escape",
    "/etc/passwd",
    "originals//double-slash",
    "originals/.hidden",
    "originals/./dot",
    "originals\\windows",
    "",
]


def test_a_stored_object_comes_back_byte_for_byte(local_storage):
    local_storage.put("originals/abc", b"\xff\xd8 photo bytes", "image/jpeg")

    assert local_storage.get("originals/abc") == b"\xff\xd8 photo bytes"


def test_put_creates_nested_directories_under_the_upload_dir(local_storage):
    local_storage.put("derivatives/abc/large.jpg", b"jpeg", "image/jpeg")

    assert (local_storage.root / "derivatives" / "abc" / "large.jpg").read_bytes() == b"jpeg"


def test_put_replaces_an_existing_object_and_leaves_no_temp_files(local_storage):
    local_storage.put("originals/abc", b"first", "image/jpeg")
    local_storage.put("originals/abc", b"second", "image/jpeg")

    assert local_storage.get("originals/abc") == b"second"
    assert os.listdir(local_storage.root / "originals") == ["abc"]


def test_exists_tells_stored_from_missing_keys(local_storage):
    local_storage.put("originals/abc", b"x", "image/jpeg")

    assert local_storage.exists("originals/abc")
    assert not local_storage.exists("originals/other")
    assert not local_storage.exists("originals")  # a directory is not an object


def test_a_deleted_object_is_gone(local_storage):
    local_storage.put("originals/abc", b"x", "image/jpeg")

    local_storage.delete("originals/abc")

    assert not local_storage.exists("originals/abc")


def test_deleting_a_missing_key_is_harmless_so_jobs_can_run_twice(local_storage):
    local_storage.delete("originals/never-stored")


def test_getting_a_missing_key_raises_storage_key_not_found(local_storage):
    with pytest.raises(StorageKeyNotFound):
        local_storage.get("originals/missing")


def test_derivative_urls_use_the_media_prefix(local_storage):
    assert local_storage.url("derivatives/abc/large.jpg") == "/media/derivatives/abc/large.jpg"


def test_the_media_prefix_comes_from_config(tmp_path):
    storage = make_storage({"UPLOAD_DIR": str(tmp_path), "LOCAL_MEDIA_URL_PREFIX": "https://cdn.example/m/"})

    assert storage.url("derivatives/a.jpg") == "https://cdn.example/m/derivatives/a.jpg"


def test_originals_never_get_a_url(local_storage):
    with pytest.raises(StorageKeyNotPublic):
        local_storage.url("originals/abc")


@pytest.mark.parametrize("key", TRAVERSAL_KEYS)
def test_keys_that_could_escape_the_upload_dir_are_refused(local_storage, key):
    for attempt in (
        lambda: local_storage.put(key, b"x", "image/jpeg"),
        lambda: local_storage.get(key),
        lambda: local_storage.exists(key),
        lambda: local_storage.delete(key),
        lambda: local_storage.path_for(key),
    ):
        with pytest.raises(InvalidStorageKey):
            attempt()


def test_a_symlink_planted_inside_the_upload_dir_cannot_lead_outside(local_storage, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    local_storage.root.mkdir(parents=True, exist_ok=True)
    (local_storage.root / "derivatives").symlink_to(outside)

    with pytest.raises(InvalidStorageKey):
        local_storage.get("derivatives/secret")


def test_the_media_route_gets_a_path_for_an_existing_derivative(local_storage):
    local_storage.put("derivatives/abc/thumb.jpg", b"jpeg", "image/jpeg")

    path = local_storage.public_path_for("derivatives/abc/thumb.jpg")

    assert path.read_bytes() == b"jpeg"


def test_the_media_route_gets_no_path_for_an_original(local_storage):
    local_storage.put("originals/abc", b"x", "image/jpeg")

    with pytest.raises(StorageKeyNotPublic):
        local_storage.public_path_for("originals/abc")


def test_the_media_route_gets_not_found_for_a_missing_derivative(local_storage):
    with pytest.raises(StorageKeyNotFound):
        local_storage.public_path_for("derivatives/missing.jpg")


def test_make_storage_defaults_to_the_local_backend(tmp_path):
    storage = make_storage({"UPLOAD_DIR": str(tmp_path)})

    assert isinstance(storage, LocalStorage)
    assert isinstance(storage, Storage)


def test_the_local_backend_needs_an_upload_dir():
    with pytest.raises(ValueError, match="UPLOAD_DIR"):
        make_storage({"STORAGE_BACKEND": "local"})


def test_an_unknown_backend_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        make_storage({"STORAGE_BACKEND": "ftp", "UPLOAD_DIR": str(tmp_path)})
