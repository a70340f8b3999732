import pytest

from app.core.extensions import db
from app.notifications.jobs import send_report_received
from app.notifications.messages import STATUS_PHRASES
from app.notifications.models import Notification
from tests.factories import make_staff
from tests.notifications.rows import make_case, make_report, make_reporter, record_routing


@pytest.fixture
def routed_report(world, fake_wechat):
    reporter = make_reporter(fake_wechat, "alice")
    report = make_report(world, reporter, case=make_case(world))
    record_routing(report)
    return report


def only_notification():
    (notification,) = db.session.scalars(db.select(Notification)).all()
    return notification


def test_a_routed_report_tells_its_reporter_it_reached_the_street_inbox(routed_report, fake_wechat, templates):
    send_report_received(routed_report.id)

    (message,) = fake_wechat.sent_messages
    assert message["touser"] == routed_report.user.openid
    assert message["template_id"] == templates
    assert message["page"] == f"pages/report/detail?id={routed_report.id}"
    assert message["data"] == {
        "thing1": {"value": "上水井盖"},
        "character_string2": {"value": routed_report.ref},
        "phrase3": {"value": "待受理"},
        "thing4": {"value": "已送达朱泾镇网格中心"},
        "time5": {"value": "2026-05-06 10:30"},
    }


def test_a_sent_notification_is_recorded_with_status_sent(routed_report, fake_wechat, templates):
    send_report_received(routed_report.id)

    notification = only_notification()
    assert notification.status == "sent"
    assert notification.channel == "wechat_subscribe"
    assert notification.template == "report_status"
    assert notification.recipient == routed_report.user.openid
    assert notification.attempts == 1
    assert notification.sent_at is not None
    assert notification.error is None
    assert notification.dedupe_key == f"report_received:{routed_report.id}"


def test_running_the_job_twice_sends_once(routed_report, fake_wechat, templates):
    send_report_received(routed_report.id)
    send_report_received(routed_report.id)

    assert len(fake_wechat.sent_messages) == 1
    assert only_notification().attempts == 1


def test_routing_writes_the_notification_pending_before_anything_is_sent(routed_report, fake_wechat):
    notification = only_notification()
    assert (notification.status, notification.attempts) == ("pending", 0)
    assert notification.dedupe_key == f"report_received:{routed_report.id}"
    assert fake_wechat.sent_messages == []


def test_a_nudge_with_nothing_in_the_outbox_sends_nothing(world, fake_wechat, templates):
    report = make_report(world, make_reporter(fake_wechat), case=make_case(world))
    db.session.commit()  # routed by hand, without the routing's outbox rows

    send_report_received(report.id)

    assert fake_wechat.sent_messages == []
    assert db.session.scalars(db.select(Notification)).all() == []


def test_a_missing_template_id_is_recorded_as_not_delivered_without_raising(routed_report, fake_wechat):
    send_report_received(routed_report.id)

    notification = only_notification()
    assert (notification.status, notification.error) == ("not_delivered", "template not configured")
    assert fake_wechat.sent_messages == []


def test_a_staff_reporter_without_openid_is_skipped(world, fake_wechat, templates):
    staff = make_staff()
    report = make_report(world, staff, case=make_case(world))
    record_routing(report)

    send_report_received(report.id)

    assert fake_wechat.sent_messages == []
    assert db.session.scalars(db.select(Notification)).all() == []


def test_every_status_phrase_fits_the_five_character_phrase_field():
    assert all(len(phrase) <= 5 for phrase in STATUS_PHRASES.values())


def test_a_busy_wechat_leaves_it_retrying_and_a_later_run_sends(routed_report, fake_wechat, templates):
    fake_wechat.inject("cgi-bin/message/subscribe/send", -1)
    send_report_received(routed_report.id)
    assert only_notification().status == "retrying"

    send_report_received(routed_report.id)

    assert only_notification().status == "sent"
    assert len(fake_wechat.sent_messages) == 1


def test_inline_the_queue_absorbs_a_transient_failure(routed_report, fake_wechat, templates):
    from app.core.extensions import queue

    fake_wechat.inject("cgi-bin/message/subscribe/send", -1)

    queue.enqueue(send_report_received, routed_report.id)

    assert only_notification().status == "retrying"


def test_openids_stay_out_of_the_logs(routed_report, fake_wechat, templates, caplog):
    fake_wechat.inject("cgi-bin/message/subscribe/send", 40003)

    with caplog.at_level("DEBUG"):
        send_report_received(routed_report.id)

    assert only_notification().status == "failed"
    assert routed_report.user.openid not in caplog.text
