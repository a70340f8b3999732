"""Jobs of the cases domain: processing a received report onto a case, and the supervision
sweep. Each takes ids, re-reads rows under a lock and does nothing when the work is
already done: rq runs a job at least once and the sweeper may queue it again.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.cases.intake import route_report
from app.cases.recount import recompute_provisional_deadlines
from app.cases.supervision import flag_overdue_and_remind
from app.core.clock import utcnow
from app.core.extensions import db
from app.jobs import followups, sweeper
from app.moderation.service import check_report_text, request_photo_checks
from app.photos.jobs import make_photo_derivatives
from app.reports.models import Report


def register(app):
    followups.subscribe(app, followups.REPORT_RECEIVED, process_report)
    sweeper.register_periodic(app, flag_overdue_and_remind)
    sweeper.register_periodic(app, recompute_provisional_deadlines)


def process_report(report_id):
    """Photos, content checks, routing to the street inbox; then tell the reporter."""
    report = db.session.scalar(select(Report).where(Report.id == report_id).with_for_update())
    if report is None or report.status != "received":
        db.session.rollback()
        return
    now = utcnow()
    for photo in report.photos:
        make_photo_derivatives(photo, now)
    check_report_text(report=report)
    request_photo_checks(report=report)
    config = current_app.config
    route_report(report=report, radius_m=config["DUPLICATE_RADIUS_M"],
                 window=timedelta(hours=config["DUPLICATE_WINDOW_HOURS"]), now=now)
    report.status, report.processed_at = "processed", now
    # What the routing owes the reporter is written in this transaction (the outbox);
    # the job published after the commit only sends it.
    followups.record(followups.REPORT_ROUTED, report)
    db.session.commit()
    followups.publish(followups.REPORT_ROUTED, report.id)
