"""Recording and delivering notifications. The caller (a job) commits.

One row per dedupe key, written in the transaction of the step it reports (the
outbox), and one worker at a time sending it. A send is three steps with a commit
between each, made by the job (jobs.deliver_one): `claim` marks the row
`attempting`, `attempt` calls the channel, `record_outcome` writes what came back.
A worker killed between the first commit and the last leaves the row `attempting`;
`mark_unknown` later settles it as `unknown`, never as something to send again.
"""
import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.core.extensions import db
from app.notifications.models import ATTEMPTING, DELIVERABLE_STATUSES, UNKNOWN, WECHAT_SUBSCRIBE, Notification
from app.notifications.transports import NotDeliverable, transport_for
from wechat import OutcomeUnknown, SubscriptionRefused, WeChatError

log = logging.getLogger(__name__)

# Beyond the first try the sweeper tries again, with back-off; after this many we give up.
MAX_ATTEMPTS = 8
ERROR_LIMIT = 200
NO_OUTCOME = "no outcome recorded: the sender stopped during the send"


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str | None = None


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


def deliverable_by_keys(dedupe_keys):
    """The rows for these keys still waiting for a send, oldest first."""
    return db.session.scalars(
        select(Notification)
        .where(Notification.dedupe_key.in_(dedupe_keys), Notification.status.in_(DELIVERABLE_STATUSES))
        .order_by(Notification.id)
    ).all()


def claim(notification, now):
    """Mark the row `attempting` and count the attempt, unless it is not ours to send.

    On PostgreSQL a second worker's UPDATE waits for the first transaction, then finds
    the status changed and matches nothing, so only one worker goes on to send.
    """
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.status.in_(DELIVERABLE_STATUSES))
        .values(status=ATTEMPTING, attempts=Notification.attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(notification)
    return result.rowcount == 1


def attempt(notification):
    """Send through the row's channel; the Outcome to record. Never touches the row."""
    try:
        transport_for(notification.channel).send(notification)
    except NotDeliverable as exc:
        return Outcome("not_delivered", str(exc))
    except WeChatError as exc:
        return wechat_outcome(notification, exc)
    return Outcome("sent")


def wechat_outcome(notification, exc):
    error = describe_error(exc)
    if isinstance(exc, SubscriptionRefused):
        return Outcome("not_delivered", error)  # 43101: refused or out of quota
    if isinstance(exc, OutcomeUnknown):
        # WeChat may have delivered it; sending again could spend the reporter's consent twice.
        return Outcome(UNKNOWN, f"no answer: {error}")
    if exc.is_retryable and notification.attempts < MAX_ATTEMPTS:
        return Outcome("retrying", error)
    if exc.is_retryable:
        return Outcome("failed", f"gave up after {notification.attempts} attempts: {error}")
    return Outcome("failed", error)


def record_outcome(notification, outcome, *, attempt_no, now):
    """Write what attempt `attempt_no` came to, if the row is still that attempt's.

    `unknown` is overwritten too: the sweeper may have given up on a slow send whose
    answer did arrive, and the answer is the better record.
    """
    sent_at = now if outcome.status == "sent" else None
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.attempts == attempt_no,
               Notification.status.in_((ATTEMPTING, UNKNOWN)))
        .values(status=outcome.status, error=cut(outcome.error), sent_at=sent_at)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(notification)
    # The id, not the recipient: openids stay out of logs.
    log.info("notification %s %s: %s", notification.id, notification.status, notification.error)


def mark_unknown(*, older_than):
    """Rows still `attempting` since before `older_than` become `unknown`; returns their ids."""
    stale = (Notification.status == ATTEMPTING, Notification.last_attempt_at <= older_than)
    ids = db.session.scalars(select(Notification.id).where(*stale).order_by(Notification.id)).all()
    if ids:
        db.session.execute(update(Notification).where(Notification.id.in_(ids), *stale)
                           .values(status=UNKNOWN, error=NO_OUTCOME)
                           .execution_options(synchronize_session=False))
    return list(ids)


def unknown_notifications():
    """Every row whose outcome is unknown, for ops to reconcile (oldest first)."""
    return db.session.scalars(select(Notification).where(Notification.status == UNKNOWN)
                              .order_by(Notification.id)).all()


def unknown_notification_count():
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.status == UNKNOWN))


def release_unknown(notification_id):
    """An operator's decision that an unknown message never arrived: it may be sent again."""
    result = db.session.execute(
        update(Notification).where(Notification.id == notification_id, Notification.status == UNKNOWN)
        .values(status="pending", error="released for resending by an operator")
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def cut(error):
    return error[:ERROR_LIMIT] if error else None


def describe_error(exc):
    code = "network" if exc.errcode is None else str(exc.errcode)
    return f"{code}: {exc.errmsg}"
