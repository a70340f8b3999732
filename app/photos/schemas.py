from marshmallow import Schema, fields

from app.core.extensions import storage


class PhotoUploadSchema(Schema):
    id = fields.String()
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    size = fields.Integer()
    created_at = fields.DateTime()


def photo_urls(photo):
    """{id, url, thumb_url}; the URLs are None until the worker has made the derivatives."""
    ready = photo.large_key and photo.thumb_key
    backend = storage.get()
    return {
        "id": photo.id,
        "url": backend.url(photo.large_key) if ready else None,
        "thumb_url": backend.url(photo.thumb_key) if ready else None,
    }
