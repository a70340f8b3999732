"""Recording and delivering notifications. The caller (a job) commits.

One row per dedupe key, and one worker at a time sending it: the row is claimed with
a compare-and-set on `attempts` before the send, so two workers holding the same row
never both send. (A crash between a send and the commit can still send twice.)
"""
import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.core.extensions import db
from app.notifications.models import DELIVERABLE_STATUSES, WECHAT_SUBSCRIBE, Notification
from app.notifications.transports import NotDeliverable, transport_for
from wechat import SubscriptionRefused, WeChatError

log = logging.getLogger(__name__)

# Beyond rq's own retries the sweeper tries again; after this many tries we give up.
MAX_ATTEMPTS = 8
ERROR_LIMIT = 200


def recipient_for(user, channel=WECHAT_SUBSCRIBE):
    """The address of `user` on `channel`, or None (staff have no openid)."""
    if channel == WECHAT_SUBSCRIBE:
        return user.openid or None
    return None


def queue_notification(*, user, template, payload, dedupe_key, now, channel=WECHAT_SUBSCRIBE):
    """The notification for `dedupe_key`: the existing one, else a new pending one.

    None when the user cannot be reached on the channel.
    """
    existing = find_by_dedupe_key(dedupe_key)
    if existing is not None:
        return existing
    recipient = recipient_for(user, channel)
    if recipient is None:
        return None
    notification = Notification(channel=channel, user_id=user.id, recipient=recipient, template=template,
                                payload=payload, dedupe_key=dedupe_key, status="pending", created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        # Another worker inserted the same key between our read and our insert.
        return find_by_dedupe_key(dedupe_key)
    return notification


def find_by_dedupe_key(dedupe_key):
    return db.session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))


def deliver(notification, now):
    """Send `notification` once through its channel and record the outcome on the row.

    Final rows are left alone, so delivering twice is harmless. Transient failures
    leave the row `retrying`: the caller decides how to try again.
    """
    if notification.is_final or not claim(notification, now):
        return notification
    try:
        transport_for(notification.channel).send(notification)
    except NotDeliverable as exc:
        record_outcome(notification, "not_delivered", str(exc))
    except WeChatError as exc:
        record_wechat_failure(notification, exc)
    else:
        record_outcome(notification, "sent")
        notification.sent_at = now
    return notification


def claim(notification, now):
    """Count this attempt, unless another worker has already counted one on this row.

    On PostgreSQL the second UPDATE waits for the first transaction and then finds
    `attempts` changed, so it matches nothing and this worker does not send.
    """
    seen_attempts = notification.attempts or 0
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.attempts == seen_attempts,
               Notification.status.in_(DELIVERABLE_STATUSES))
        .values(attempts=seen_attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(notification)
    return result.rowcount == 1


def record_wechat_failure(notification, exc):
    error = describe_error(exc)
    if isinstance(exc, SubscriptionRefused):
        record_outcome(notification, "not_delivered", error)  # 43101: refused or out of quota
    elif exc.is_retryable and notification.attempts < MAX_ATTEMPTS:
        record_outcome(notification, "retrying", error)
    elif exc.is_retryable:
        record_outcome(notification, "failed", f"gave up after {notification.attempts} attempts: {error}")
    else:
        record_outcome(notification, "failed", error)
    # The id, not the recipient: openids stay out of logs.
    log.info("notification %s %s: %s", notification.id, notification.status, notification.error)


def record_outcome(notification, status, error=None):
    notification.status = status
    notification.error = error[:ERROR_LIMIT] if error else None


def describe_error(exc):
    code = "network" if exc.errcode is None else str(exc.errcode)
    return f"{code}: {exc.errmsg}"
