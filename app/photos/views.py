"""POST /api/v1/uploads, and the route that serves local derivatives.

Originals are never served. With the S3 backend URLs are presigned; with the local
backend they point at /media/, which serves derivatives/ keys only.
"""
from flask import Blueprint, current_app, request, send_file

from app.accounts.auth import current_user, require_user
from app.core.clock import utcnow
from app.core.errors import ApiError
from app.core.extensions import db, storage
from app.photos.schemas import PhotoUploadSchema
from app.photos.service import accept_photo_for
from app.storage import InvalidStorageKey, StorageKeyNotFound, StorageKeyNotPublic

bp = Blueprint("photos", __name__)


@bp.post("/api/v1/uploads")
@require_user
def upload():
    file = request.files.get("file")
    photo = accept_photo_for(current_user(), file.read() if file else b"", current_app.config, utcnow())
    db.session.commit()
    return PhotoUploadSchema().dump(photo), 201


@bp.get("/media/<path:key>")
def serve(key):
    backend = storage.get()
    if not hasattr(backend, "public_path_for"):
        raise ApiError.not_found()
    try:
        path = backend.public_path_for(key)
    except (StorageKeyNotFound, StorageKeyNotPublic, InvalidStorageKey):
        raise ApiError.not_found() from None
    response = send_file(path, mimetype="image/jpeg", max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
