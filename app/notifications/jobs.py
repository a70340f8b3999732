"""Notification jobs: they take ids, commit once at their end, and are safe to run twice.

A job that leaves a notification `retrying` raises after its commit, so rq tries it
again with backoff; inline (no Redis) the row waits for the sweeper
(retry_pending_notifications).
"""
from datetime import timedelta

from sqlalchemy import func, select

from app.cases.models import CaseEvent
from app.core.clock import utcnow
from app.core.extensions import db, queue
from app.jobs import followups, sweeper
from app.notifications import messages
from app.notifications.models import DELIVERABLE_STATUSES, Notification
from app.notifications.service import deliver, queue_notification
from app.reports.models import Report

RETRY_AFTER = timedelta(minutes=5)
# Public steps the reporter hears about; a one-time subscription allows one message
# per consent, so the in-between steps (签收, 延期, 处置反馈) are not spent on.
NOTIFIED_STATUSES = ("accepted", "dispatched", "closed", "rejected")


def register(app):
    followups.subscribe(app, followups.REPORT_ROUTED, notify_report_received)
    followups.subscribe(app, followups.CASE_STEP_PUBLIC, notify_case_event)
    sweeper.register_periodic(app, retry_pending_notifications)


class NotificationRetry(Exception):
    """Raised after commit when a send failed transiently, so rq retries the job."""


def notify_report_received(report_id):
    """Tell the reporter their report reached the street centre's inbox."""
    report = db.session.get(Report, report_id)
    if report is None or report.case is None:  # not routed yet: nothing to tell
        db.session.rollback()
        return
    now = utcnow()
    notification = queue_notification(user=report.user, template=messages.REPORT_STATUS,
                                      payload=messages.report_received(report),
                                      dedupe_key=f"report_received:{report.id}", now=now)
    finish([notification], now)


def notify_case_event(event_id):
    """Tell every reporter of the case about a public step, once per person and event."""
    event = db.session.get(CaseEvent, event_id)
    if event is None or not event.public or event.to_status not in NOTIFIED_STATUSES:
        db.session.rollback()
        return
    now = utcnow()
    notifications = [
        queue_notification(user=report.user, template=messages.REPORT_STATUS,
                           payload=messages.case_event(report, event),
                           dedupe_key=f"case_event:{event.id}:user:{report.user_id}", now=now)
        for report in first_report_per_reporter(event.case)
    ]
    finish(notifications, now)


def send_notification(notification_id):
    """Deliver one recorded notification (the sweeper's way back to a retrying row)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        return
    finish([notification], utcnow())


def first_report_per_reporter(case):
    """One report per person: someone who reported the same problem twice hears once."""
    reports = {}
    for report in case.reports:
        reports.setdefault(report.user_id, report)
    return list(reports.values())


def finish(notifications, now):
    """Deliver, commit once, then raise if anything is left to retry."""
    try:
        delivered = [deliver(n, now) for n in notifications if n is not None]
        db.session.commit()
    except Exception:
        # Inline jobs share the request's session: leave it clean for the caller.
        db.session.rollback()
        raise
    retrying = [n.id for n in delivered if n.status == "retrying"]
    if retrying:
        raise NotificationRetry(f"notifications {retrying} failed transiently; retrying")


def send_later(notifications):
    """After the commit: deliver each notification still deliverable through the job."""
    for notification in notifications:
        if not notification.is_final:
            queue.enqueue(send_notification, notification.id)


def retry_pending_notifications(now, retry_after=RETRY_AFTER):
    """For the sweeper: queue a send for every notification still waiting `retry_after`
    after its last try (Redis was down, rq's retries ran out). Returns how many."""
    last_touched = func.coalesce(Notification.last_attempt_at, Notification.created_at)
    ids = db.session.scalars(
        select(Notification.id)
        .where(Notification.status.in_(DELIVERABLE_STATUSES), last_touched <= now - retry_after)
        .order_by(Notification.id)
    ).all()
    for notification_id in ids:
        queue.enqueue(send_notification, notification_id)
    return len(ids)
