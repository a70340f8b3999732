"""Derivatives: upright, metadata-free 1280 px and 320 px JPEGs, made in the worker.

Safe to run twice: a processed photo is left alone, and the keys are fixed.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.extensions import db, storage
from app.jobs import followups, sweeper
from app.photos.models import Photo
from app.storage.images import ImageRejected, make_derivatives


def register(app):
    followups.subscribe(app, followups.PHOTO_CLAIMED, process_photo)
    sweeper.register_periodic(app, requeue_unprocessed_photos)


def derivative_keys(photo_id):
    return f"derivatives/{photo_id}/large.jpg", f"derivatives/{photo_id}/thumb.jpg"


def process_photo(photo_id):
    """Derivatives for a photo not attached to a report (a department's after-photos)."""
    photo = db.session.scalar(select(Photo).where(Photo.id == photo_id).with_for_update())
    if photo is None or photo.processed_at is not None:
        db.session.rollback()
        return
    make_photo_derivatives(photo, utcnow())
    db.session.commit()


def requeue_unprocessed_photos(now):
    """The sweeper: after-photos of a feedback still without derivatives after a grace period
    (the nudge was lost with Redis, or its retries ran out) are published again.

    A report's own photos are its processing job's work, caught up with the report."""
    grace = timedelta(seconds=current_app.config["REPORT_SWEEP_AFTER_SECONDS"])
    ids = db.session.scalars(select(Photo.id).where(
        Photo.case_event_id.is_not(None), Photo.processed_at.is_(None), Photo.created_at < now - grace)
        .order_by(Photo.created_at).limit(500)).all()
    db.session.rollback()  # release the read transaction before the jobs run inline
    for photo_id in ids:
        followups.publish(followups.PHOTO_CLAIMED, photo_id, unique=True)
    return ids


def make_photo_derivatives(photo, now):
    """Upright, metadata-free 1280 px and 320 px JPEGs at fixed keys (rewritten if run twice)."""
    if photo.processed_at is not None:
        return
    backend = storage.get()
    try:
        result = make_derivatives(backend.get(photo.original_key),
                                  max_pixels=current_app.config["MAX_IMAGE_PIXELS"])
    except ImageRejected as exc:
        # Damage the header check could not see: keep the report, drop the photo.
        photo.failed_reason, photo.processed_at = exc.code, now
        return
    large_key, thumb_key = derivative_keys(photo.id)
    backend.put(large_key, result.large, "image/jpeg")
    backend.put(thumb_key, result.thumb, "image/jpeg")
    photo.large_key, photo.thumb_key, photo.processed_at = large_key, thumb_key, now
    if result.exif_gps:
        photo.exif_lat, photo.exif_lng = result.exif_gps
