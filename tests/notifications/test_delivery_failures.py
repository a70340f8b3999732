from datetime import timedelta

import pytest

from app.core.extensions import db
from app.notifications import jobs, service
from app.notifications.jobs import send_notification
from app.notifications.models import Notification
from tests.notifications.rows import NOW, make_reporter

SEND = "cgi-bin/message/subscribe/send"


@pytest.fixture
def notification(world, fake_wechat, templates):
    user = make_reporter(fake_wechat, "bob")
    notification = service.queue_notification(
        user=user, template="report_status", dedupe_key="test:1", now=NOW,
        payload={"data": {"thing1": "上水井盖", "phrase3": "已受理"}, "page": "pages/report/detail?id=1"},
    )
    db.session.commit()
    return notification


def reloaded(notification):
    db.session.expire_all()
    return db.session.get(Notification, notification.id)


def test_a_refused_subscription_is_not_delivered_and_never_retried(notification, fake_wechat):
    fake_wechat.inject(SEND, 43101)

    send_notification(notification.id)
    send_notification(notification.id)

    row = reloaded(notification)
    assert row.status == "not_delivered"
    assert row.error.startswith("43101: ")
    assert row.attempts == 1
    assert len(fake_wechat.calls_to(SEND)) == 1
    assert fake_wechat.sent_messages == []


@pytest.mark.parametrize("errcode", [40003, 40037, 41030, 47003])
def test_a_permanent_error_is_failed_and_never_retried(notification, fake_wechat, errcode):
    fake_wechat.inject(SEND, errcode)

    send_notification(notification.id)
    send_notification(notification.id)

    row = reloaded(notification)
    assert row.status == "failed"
    assert row.error.startswith(f"{errcode}: ")
    assert len(fake_wechat.calls_to(SEND)) == 1


def test_a_busy_wechat_leaves_it_retrying_for_the_sweeper(notification, fake_wechat):
    fake_wechat.inject(SEND, -1)

    send_notification(notification.id)

    row = reloaded(notification)
    assert (row.status, row.attempts) == ("retrying", 1)
    assert row.error.startswith("-1: system error")
    assert fake_wechat.sent_messages == []


def test_a_later_run_sends_a_retrying_notification(notification, fake_wechat):
    fake_wechat.inject(SEND, -1)
    send_notification(notification.id)

    send_notification(notification.id)

    row = reloaded(notification)
    assert (row.status, row.attempts, row.error) == ("sent", 2, None)
    assert len(fake_wechat.calls_to(SEND)) == 2
    assert len(fake_wechat.sent_messages) == 1


def test_an_unreachable_wechat_counts_as_transient(notification, make_app, fake_wechat):
    from tests.workers import free_port

    closed = make_app(WECHAT_API_BASE=f"http://127.0.0.1:{free_port()}/",
                      WECHAT_TEMPLATE_REPORT_STATUS="tmpl-report-status-0001")
    with closed.app_context():
        send_notification(notification.id)

    row = reloaded(notification)
    assert row.status == "retrying"
    assert row.error.startswith("network: ")


def test_a_connection_dropped_during_the_send_is_unknown_and_never_resent(notification, fake_wechat):
    # WeChat may have accepted it before the connection went: sending again could spend
    # the reporter's one-time consent twice.
    fake_wechat.inject(SEND, disconnect=True)

    send_notification(notification.id)
    row = reloaded(notification)
    assert row.status == "unknown"
    assert row.error.startswith("no answer: network: ")

    assert jobs.resend_due_notifications(now=row.last_attempt_at + timedelta(hours=1)) == 0
    send_notification(notification.id)
    assert len(fake_wechat.calls_to(SEND)) == 1


def test_the_error_never_carries_the_access_token_or_secret(notification, fake_wechat, app):
    fake_wechat.inject(SEND, http_status=502)

    send_notification(notification.id)

    error = reloaded(notification).error
    assert fake_wechat.access_token not in error
    assert app.config["WECHAT_SECRET"] not in error


def test_the_sweeper_sends_notifications_left_retrying_after_the_resend_delay(notification, fake_wechat, app):
    fake_wechat.inject(SEND, -1)
    send_notification(notification.id)
    last_try = reloaded(notification).last_attempt_at
    delay = app.config["NOTIFICATION_RESEND_AFTER_SECONDS"]

    assert jobs.resend_due_notifications(now=last_try + timedelta(seconds=delay - 1)) == 0
    assert jobs.resend_due_notifications(now=last_try + timedelta(seconds=delay)) == 1

    assert reloaded(notification).status == "sent"
    assert len(fake_wechat.sent_messages) == 1


def test_each_failed_try_doubles_the_wait_before_the_next(notification, fake_wechat, app):
    fake_wechat.inject(SEND, -1, times=2)
    send_notification(notification.id)
    send_notification(notification.id)
    last_try = reloaded(notification).last_attempt_at
    delay = app.config["NOTIFICATION_RESEND_AFTER_SECONDS"]

    assert jobs.resend_due_notifications(now=last_try + timedelta(seconds=delay)) == 0
    assert jobs.resend_due_notifications(now=last_try + timedelta(seconds=2 * delay)) == 1
    assert reloaded(notification).status == "sent"


def test_a_pending_notification_whose_job_was_lost_is_sent_after_the_resend_delay(notification, fake_wechat, app):
    written = reloaded(notification).created_at
    delay = app.config["NOTIFICATION_RESEND_AFTER_SECONDS"]

    assert jobs.resend_due_notifications(now=written + timedelta(seconds=delay - 1)) == 0
    assert jobs.resend_due_notifications(now=written + timedelta(seconds=delay)) == 1

    assert reloaded(notification).status == "sent"


def test_after_too_many_transient_failures_it_gives_up(notification, fake_wechat):
    fake_wechat.inject(SEND, -1, times=service.MAX_ATTEMPTS)

    for _ in range(service.MAX_ATTEMPTS):
        send_notification(notification.id)

    row = reloaded(notification)
    assert row.status == "failed"
    assert row.error.startswith(f"gave up after {service.MAX_ATTEMPTS} attempts")


def test_the_same_dedupe_key_gives_back_the_first_notification(notification, fake_wechat):
    again = service.queue_notification(user=notification.user, template="report_status", payload={"data": {}},
                                       dedupe_key="test:1", now=NOW)

    assert again.id == notification.id
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1


def test_the_periodic_sweep_includes_notification_resends(notification, fake_wechat):
    from app.jobs.sweeper import sweep_once

    fake_wechat.inject(SEND, -1)
    send_notification(notification.id)
    notification_id, last_try = notification.id, reloaded(notification).last_attempt_at

    sweep_once(now=last_try + timedelta(minutes=6))  # ends with db.session.remove()

    assert db.session.get(Notification, notification_id).status == "sent"
