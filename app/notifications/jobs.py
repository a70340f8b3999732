"""Notification jobs: they send what the outbox holds and are safe to run twice.

The rows are written in the transaction of the step they report (outbox.py, through
followups.within), so a job queued after the commit is only a nudge: when Redis loses
it, or a worker dies holding it, the sweeper finds the row again after
NOTIFICATION_RESEND_AFTER_SECONDS. Each send is claim → commit → send → record →
commit (deliver_one); a row left `attempting` past NOTIFICATION_UNKNOWN_AFTER_SECONDS
is marked `unknown`, never sent again by itself.
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.cases.models import CaseEvent
from app.core.clock import utcnow
from app.core.extensions import db, queue
from app.jobs import followups, sweeper
from app.notifications import outbox, service
from app.notifications.models import DELIVERABLE_STATUSES, Notification

log = logging.getLogger(__name__)
# A retry waits the resend delay doubled per failed attempt, up to this many times it.
MAX_BACKOFF = 16


def register(app):
    followups.within(app, followups.REPORT_ROUTED, outbox.write_report_received)
    followups.within(app, followups.CASE_STEP_PUBLIC, outbox.write_case_step)
    followups.subscribe(app, followups.REPORT_ROUTED, send_report_received)
    followups.subscribe(app, followups.CASE_STEP_PUBLIC, send_case_step)
    sweeper.register_periodic(app, mark_unknown_notifications)
    sweeper.register_periodic(app, resend_due_notifications)


def send_report_received(report_id):
    """Send the routed report's "received" message, if it still waits."""
    send_by_keys([outbox.report_received_key(report_id)])


def send_case_step(event_id):
    """Send a public step's messages to the case's reporters, those still waiting."""
    event = db.session.get(CaseEvent, event_id)
    keys = outbox.case_step_keys(event) if event is not None else []
    send_by_keys(keys)


def send_notification(notification_id):
    """Send one recorded notification (the sweeper's way back to a waiting row)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or not notification.is_deliverable:
        db.session.rollback()
        return
    deliver_one(notification)


def send_by_keys(dedupe_keys):
    waiting = service.deliverable_by_keys(dedupe_keys) if dedupe_keys else []
    if not waiting:
        db.session.rollback()  # inline jobs share the request's session: leave it clean
    for notification in waiting:
        deliver_one(notification)


def deliver_one(notification):
    """claim → commit → send → record → commit.

    The attempt is on record before WeChat hears of it, so a worker killed during the
    send leaves a row the sweeper marks `unknown` rather than one it sends again.
    """
    try:
        if not service.claim(notification, utcnow()):
            db.session.rollback()  # another worker has it, or it is done
            return notification
        attempt_no = notification.attempts
        db.session.commit()
        outcome = service.attempt(notification)
        service.record_outcome(notification, outcome, attempt_no=attempt_no, now=utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return notification


def send_later(notifications):
    """After the commit: nudge a send for each notification written in it."""
    for notification in notifications:
        if notification.is_deliverable:
            queue.enqueue(send_notification, notification.id)


def resend_due_notifications(now):
    """For the sweeper: queue a send for every waiting row whose nudge was lost or whose
    retry is due (back-off doubles the resend delay per attempt). Returns how many."""
    last_touched = func.coalesce(Notification.last_attempt_at, Notification.created_at)
    rows = db.session.execute(
        select(Notification.id, Notification.attempts, Notification.last_attempt_at, Notification.created_at)
        .where(Notification.status.in_(DELIVERABLE_STATUSES), last_touched <= now - wait_after(0))
        .order_by(Notification.id)
    ).all()
    db.session.rollback()  # release the read before the sends run (inline, without Redis)
    due = [row.id for row in rows if (row.last_attempt_at or row.created_at) <= now - wait_after(row.attempts)]
    for notification_id in due:
        queue.enqueue(send_notification, notification_id)
    return len(due)


def wait_after(attempts):
    factor = min(2 ** max(attempts - 1, 0), MAX_BACKOFF)
    return setting_seconds("NOTIFICATION_RESEND_AFTER_SECONDS") * factor


def mark_unknown_notifications(now):
    """For the sweeper: rows left `attempting` too long become `unknown`; returns their ids.

    WeChat's subscribe-message API has no delivery query, so nothing here can find out
    whether the message arrived; a message spent twice is worse than one marked
    unknown. `flask notifications unknown` lists them for ops.
    """
    ids = service.mark_unknown(older_than=now - setting_seconds("NOTIFICATION_UNKNOWN_AFTER_SECONDS"))
    if ids:
        log.warning("%d notification(s) with no recorded outcome marked unknown: %s", len(ids), ids)
    return ids


def setting_seconds(name):
    return timedelta(seconds=current_app.config[name])
