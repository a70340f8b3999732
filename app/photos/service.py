"""Photo uploads as wx.uploadFile sends them: one file per request, checked, stored privately;
and the one rule by which a report or a case's feedback claims photos.

The web process judges the bytes (type by content, header-only pixel count, a
complete trailer) and never decodes the picture; the worker does that later.
"""
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from app.core.errors import ApiError
from app.core.extensions import db, storage
from app.photos.models import Photo
from app.storage.images import ImageRejected, inspect_image

TYPE_PROBLEMS = ("not_an_image", "unsupported_image_type")


def accept_photo(*, user, data, max_bytes, max_pixels, daily_quota, now):
    """Check and store one photo; returns the Photo row (the caller commits)."""
    if not data:
        raise ApiError.bad_request("请选择要上传的图片 (field 'file' is required)", "file_missing",
                                   fields={"file": ["required"]})
    if len(data) > max_bytes:
        raise ApiError(413, "payload_too_large", f"图片不能超过 {max_bytes // (1024 * 1024)} MB (file too large)")
    ensure_within_quota(user=user, daily_quota=daily_quota, now=now)
    info = judge_image(data, max_pixels)
    photo = Photo(id=secrets.token_hex(16), user_id=user.id, content_type=info.content_type,
                  width=info.width, height=info.height, size=len(data), created_at=now)
    photo.original_key = f"originals/{photo.id}"
    storage.get().put(photo.original_key, data, info.content_type)
    db.session.add(photo)
    return photo


def accept_photo_for(user, data, config, now):
    """accept_photo with the limits of the app's configuration."""
    return accept_photo(user=user, data=data, max_bytes=config["PHOTO_MAX_BYTES"],
                        max_pixels=config["MAX_IMAGE_PIXELS"], daily_quota=config["UPLOAD_DAILY_QUOTA"], now=now)


def judge_image(data, max_pixels):
    try:
        return inspect_image(data, max_pixels=max_pixels)
    except ImageRejected as exc:
        status = 415 if exc.code in TYPE_PROBLEMS else 422
        raise ApiError(status, exc.code, exc.message, {"file": [exc.code]}) from None


def ensure_within_quota(*, user, daily_quota, now):
    # A bound on abuse, generous for a collector's busy day (9 photos a report).
    since = now - timedelta(days=1)
    count = db.session.scalar(
        select(func.count(Photo.id)).where(Photo.user_id == user.id, Photo.created_at >= since))
    if count >= daily_quota:
        raise ApiError(429, "upload_quota_exceeded", "今日上传图片已达上限 (daily upload quota reached)",
                       headers={"Retry-After": "3600"})


def claim_photos(*, user, photo_ids):
    """The caller's unused photos, locked until the commit, in the order asked for.

    The caller marks them used (report_id or case_event_id) in the same transaction.
    Another user's photo, an unknown id and a photo already used are refused the same
    way a made-up id is, so ids of other people's photos cannot be probed.
    """
    ids = list(dict.fromkeys(photo_ids))
    photos = db.session.scalars(
        select(Photo).where(Photo.id.in_(ids), Photo.user_id == user.id).with_for_update()).all()
    found = {p.id: p for p in photos}
    missing = [pid for pid in ids if pid not in found]
    if missing:
        raise ApiError.unprocessable("图片不存在 (unknown photo)", "photo_not_found",
                                     fields={"photo_ids": missing})
    used = [p.id for p in photos if p.in_use]
    if used:
        raise ApiError.unprocessable("图片已被使用 (photo already used)", "photo_already_used",
                                     fields={"photo_ids": used})
    return [found[pid] for pid in ids]
