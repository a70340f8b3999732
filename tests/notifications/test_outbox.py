"""The outbox: a notification is committed with the step it reports, and a send is
on record before WeChat hears of it, so nothing is lost and nothing is sent twice."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.cases.jobs import process_report
from app.cases.transitions import transition
from app.core.clock import utcnow
from app.core.extensions import db
from app.notifications import jobs, service
from app.notifications.jobs import send_notification
from app.notifications.models import Notification
from app.reports.models import Report
from tests.factories import make_staff
from tests.notifications.rows import NOW, make_case, make_report, make_reporter

SEND = "cgi-bin/message/subscribe/send"


@pytest.fixture
def notification(world, fake_wechat, templates):
    user = make_reporter(fake_wechat, "carol")
    notification = service.queue_notification(user=user, template="report_status", dedupe_key="outbox:1",
                                              now=NOW, payload={"data": {"thing1": "上水井盖"}})
    db.session.commit()
    return notification


@pytest.fixture
def lost_jobs(make_app, templates, redis_url):
    """An app on a real Redis that no worker reads and that is flushed: every job it queues is lost."""
    from redis import Redis

    yield make_app(REDIS_URL=redis_url, WECHAT_TEMPLATE_REPORT_STATUS=templates)
    Redis.from_url(redis_url).flushdb()


def rows():
    db.session.expire_all()
    return db.session.scalars(db.select(Notification).order_by(Notification.id)).all()


def status_seen_by_another_connection(notification_id):
    with db.engine.connect() as connection:
        query = text("SELECT status, attempts FROM notifications WHERE id = :id")
        return tuple(connection.execute(query, {"id": notification_id}).one())


def claim_and_die(notification, now):
    """What a worker killed during the send leaves behind: the attempt committed, no outcome."""
    assert service.claim(notification, now)
    db.session.commit()


def test_processing_a_report_commits_its_notification_even_when_the_job_is_lost(
        world, fake_wechat, lost_jobs, app):
    report = make_report(world, make_reporter(fake_wechat, "dave"))
    db.session.commit()
    report_id = report.id

    with lost_jobs.app_context():
        process_report(report_id)
        db.session.remove()

    db.session.expire_all()
    assert db.session.get(Report, report_id).status == "processed"
    (row,) = rows()
    assert (row.dedupe_key, row.status) == (f"report_received:{report_id}", "pending")
    assert fake_wechat.sent_messages == []
    due = row.created_at + timedelta(seconds=app.config["NOTIFICATION_RESEND_AFTER_SECONDS"])
    assert jobs.resend_due_notifications(now=due) == 1
    assert [m["touser"] for m in fake_wechat.sent_messages] == [row.recipient]


def test_a_public_step_and_its_notifications_are_committed_together_or_not_at_all(world, fake_wechat, templates):
    case = make_case(world)
    make_report(world, make_reporter(fake_wechat, "erin"), case=case)
    staff = make_staff()
    db.session.commit()

    transition(case=case, action="accept", actor=staff, now=utcnow())
    db.session.rollback()
    assert rows() == []

    transition(case=db.session.merge(case), action="accept", actor=staff, now=utcnow())
    db.session.commit()
    assert [(n.status, n.payload["data"]["phrase3"]) for n in rows()] == [("pending", "已受理")]
    assert fake_wechat.sent_messages == []


def test_the_attempt_is_committed_before_wechat_is_called(notification, fake_wechat, app):
    fake_wechat.inject(SEND, delay=1)
    notification_id = notification.id

    def send():
        with app.app_context():
            send_notification(notification_id)
            db.session.remove()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert wait_for(lambda: fake_wechat.calls_to(SEND)), "the send never reached WeChat"
        assert status_seen_by_another_connection(notification_id) == ("attempting", 1)
    finally:
        sender.join(timeout=10)
    assert status_seen_by_another_connection(notification_id) == ("sent", 1)


def wait_for(predicate, timeout=5):
    from tests.workers import wait_until

    return wait_until(predicate, timeout=timeout, step=0.02)


def test_a_send_left_attempting_past_the_timeout_becomes_unknown_and_is_never_resent(
        notification, fake_wechat, app):
    attempted = utcnow()
    claim_and_die(notification, attempted)
    timeout = timedelta(seconds=app.config["NOTIFICATION_UNKNOWN_AFTER_SECONDS"])

    assert jobs.mark_unknown_notifications(now=attempted + timeout - timedelta(seconds=1)) == []
    assert jobs.mark_unknown_notifications(now=attempted + timeout) == [notification.id]

    (row,) = rows()
    assert (row.status, row.error) == ("unknown", service.NO_OUTCOME)
    assert jobs.resend_due_notifications(now=attempted + timedelta(days=1)) == 0
    send_notification(notification.id)
    assert fake_wechat.calls_to(SEND) == []


def test_a_send_in_progress_is_never_started_again(notification, fake_wechat):
    claim_and_die(notification, utcnow())

    send_notification(notification.id)
    assert jobs.resend_due_notifications(now=utcnow() + timedelta(hours=1)) == 0

    assert fake_wechat.calls_to(SEND) == []
    assert rows()[0].status == "attempting"


def test_an_answer_arriving_after_the_row_was_marked_unknown_is_recorded(notification, fake_wechat, app):
    attempted = utcnow()
    claim_and_die(notification, attempted)
    jobs.mark_unknown_notifications(now=attempted + timedelta(days=1))
    db.session.commit()

    row = rows()[0]
    service.record_outcome(row, service.Outcome("sent"), attempt_no=1, now=utcnow())
    db.session.commit()

    assert rows()[0].status == "sent"


def test_ops_list_unknown_notifications_without_their_openids(notification, app):
    claim_and_die(notification, NOW)
    jobs.mark_unknown_notifications(now=NOW + timedelta(days=1))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["notifications", "unknown"])

    assert result.exit_code == 0, result.output
    assert f"{notification.id}\tuser {notification.user_id}\toutbox:1" in result.output
    assert "1 notification(s) with an unknown outcome" in result.output
    assert notification.recipient not in result.output


def test_an_operator_may_release_an_unknown_notification_to_be_sent_again(notification, fake_wechat, app):
    claim_and_die(notification, NOW)
    jobs.mark_unknown_notifications(now=NOW + timedelta(days=1))
    db.session.commit()
    runner = app.test_cli_runner()

    assert runner.invoke(args=["notifications", "release", str(notification.id)]).exit_code == 0
    assert rows()[0].status == "sent"
    assert len(fake_wechat.sent_messages) == 1
    assert runner.invoke(args=["notifications", "release", str(notification.id)]).exit_code != 0
