"""Report intake's side of the queue: announcing a committed report, and the sweeper that
announces again every report still `received` (Redis was down, a worker died).

Processing itself (photos, checks, routing to a case) is the cases domain's job,
subscribed to REPORT_RECEIVED: reports never import cases.
"""
import logging
from datetime import timedelta

from flask import current_app

from app.core.clock import utcnow
from app.core.extensions import db
from app.jobs import followups, sweeper
from app.reports import service

log = logging.getLogger(__name__)


def register(app):
    sweeper.register_periodic(app, requeue_stuck_reports)


def enqueue_report(report_id):
    followups.publish(followups.REPORT_RECEIVED, report_id, unique=True)


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
