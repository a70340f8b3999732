"""Background jobs of report intake. Each takes ids, re-reads rows under a lock and
does nothing when the work is already done: rq runs a job at least once and the
sweeper may queue it again, so running twice must be harmless.
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db, queue, storage
from app.moderation.service import check_report_text, request_photo_checks
from app.notifications.jobs import notify_report_received
from app.reports import service
from app.reports.media import derivative_keys
from app.reports.models import Photo, Report
from app.reports.routing import route_report
from app.storage.images import ImageRejected, make_derivatives
from app.timestamps import utcnow

log = logging.getLogger(__name__)


def process_report(report_id):
    """Photos, content checks, routing to the street inbox; then tell the reporter."""
    report = db.session.scalar(select(Report).where(Report.id == report_id).with_for_update())
    if report is None or report.status != "received":
        db.session.rollback()
        return
    now = utcnow()
    for photo in report.photos:
        make_photo_derivatives(photo, now)
    run_content_checks(report)
    config = current_app.config
    route_report(report=report, radius_m=config["DUPLICATE_RADIUS_M"],
                 window=timedelta(hours=config["DUPLICATE_WINDOW_HOURS"]), now=now)
    report.status, report.processed_at = "processed", now
    db.session.commit()
    queue.enqueue(notify_report_received, report.id)


def process_photo(photo_id):
    """Derivatives for a photo not attached to a report (a department's after-photos)."""
    photo = db.session.scalar(select(Photo).where(Photo.id == photo_id).with_for_update())
    if photo is None or photo.processed_at is not None:
        db.session.rollback()
        return
    make_photo_derivatives(photo, utcnow())
    db.session.commit()


def make_photo_derivatives(photo, now):
    """Upright, metadata-free 1280 px and 320 px JPEGs at fixed keys (rewritten if run twice)."""
    if photo.processed_at is not None:
        return
    backend = storage.backend
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


def run_content_checks(report):
    check_report_text(report=report)
    request_photo_checks(report=report)


def enqueue_report(report_id):
    return queue.enqueue(process_report, report_id, job_id=f"process_report-{report_id}")


def requeue_stuck_reports(now=None):
    """The sweeper: every report still `received` after a grace period is queued again."""
    now = now or utcnow()
    grace = timedelta(seconds=current_app.config["REPORT_SWEEP_AFTER_SECONDS"])
    ids = service.stuck_reports(older_than=now - grace)
    db.session.rollback()  # release the read transaction before the jobs run inline
    for report_id in ids:
        enqueue_report(report_id)
    if ids:
        log.info("re-queued %d stuck reports", len(ids))
    return ids
