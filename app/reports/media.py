"""Photo URLs for answers, and the route that serves local derivatives.

Originals are never served. With the S3 backend URLs are presigned; with the local
backend they point at /media/, which serves derivatives/ keys only.
"""
from flask import Blueprint, send_file

from app.errors import ApiError
from app.extensions import storage
from app.storage import InvalidStorageKey, StorageKeyNotFound, StorageKeyNotPublic

bp = Blueprint("media", __name__)


def derivative_keys(photo_id):
    return f"derivatives/{photo_id}/large.jpg", f"derivatives/{photo_id}/thumb.jpg"


def photo_urls(photo):
    """{id, url, thumb_url}; the URLs are None until the worker has made the derivatives."""
    ready = photo.large_key and photo.thumb_key
    return {
        "id": photo.id,
        "url": storage.backend.url(photo.large_key) if ready else None,
        "thumb_url": storage.backend.url(photo.thumb_key) if ready else None,
    }


@bp.get("/media/<path:key>")
def serve(key):
    backend = storage.backend
    if not hasattr(backend, "public_path_for"):
        raise ApiError.not_found()
    try:
        path = backend.public_path_for(key)
    except (StorageKeyNotFound, StorageKeyNotPublic, InvalidStorageKey):
        raise ApiError.not_found() from None
    response = send_file(path, mimetype="image/jpeg", max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
