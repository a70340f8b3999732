import pytest

from app.core.extensions import db
from app.notifications.jobs import send_case_step
from app.notifications.models import Notification
from tests.factories import make_staff
from tests.notifications.rows import make_case, make_event, make_report, make_reporter, record_step


@pytest.fixture
def case_with_two_reporters(world, fake_wechat, templates):
    case = make_case(world)
    alice, bob = make_reporter(fake_wechat, "alice"), make_reporter(fake_wechat, "bob")
    make_report(world, alice, case=case)
    make_report(world, bob, case=case)
    db.session.commit()
    return case, alice, bob


def recipients(fake_wechat):
    return sorted(message["touser"] for message in fake_wechat.sent_messages)


def test_an_accepted_case_tells_every_reporter(case_with_two_reporters, fake_wechat):
    case, alice, bob = case_with_two_reporters
    event = make_event(case, to_status="accepted")
    record_step(event)

    send_case_step(event.id)

    assert recipients(fake_wechat) == sorted([alice.openid, bob.openid])
    assert {m["data"]["phrase3"]["value"] for m in fake_wechat.sent_messages} == {"已受理"}
    keys = set(db.session.scalars(db.select(Notification.dedupe_key)))
    assert keys == {f"case_event:{event.id}:user:{alice.id}", f"case_event:{event.id}:user:{bob.id}"}


def test_the_step_writes_one_pending_row_per_reporter_and_sends_nothing_itself(case_with_two_reporters,
                                                                               fake_wechat):
    case, _, _ = case_with_two_reporters
    record_step(make_event(case, to_status="accepted"))

    assert sorted(db.session.scalars(db.select(Notification.status))) == ["pending", "pending"]
    assert fake_wechat.sent_messages == []


def test_a_nudge_for_a_step_with_nothing_in_the_outbox_sends_nothing(case_with_two_reporters, fake_wechat):
    case, _, _ = case_with_two_reporters
    event = make_event(case, to_status="accepted")
    db.session.commit()  # written by hand, without the transition's outbox rows

    send_case_step(event.id)

    assert fake_wechat.sent_messages == []


def test_the_same_event_notified_twice_sends_once(case_with_two_reporters, fake_wechat):
    case, _, _ = case_with_two_reporters
    event = make_event(case, to_status="accepted")
    record_step(event)

    send_case_step(event.id)
    send_case_step(event.id)

    assert len(fake_wechat.sent_messages) == 2


def test_a_person_with_two_reports_on_the_case_hears_once(world, fake_wechat, templates):
    case = make_case(world)
    alice = make_reporter(fake_wechat, "alice")
    make_report(world, alice, case=case)
    make_report(world, alice, case=case)
    event = make_event(case, to_status="accepted")
    record_step(event)

    send_case_step(event.id)

    assert recipients(fake_wechat) == [alice.openid]


def test_a_rejection_tells_the_reason_cut_to_the_thing_limit(case_with_two_reporters, fake_wechat):
    case, _, _ = case_with_two_reporters
    reason = "该位置属于私人小区内部道路，请联系物业服务企业处理，谢谢理解"
    event = make_event(case, to_status="rejected", note=reason)
    record_step(event)

    send_case_step(event.id)

    message = fake_wechat.sent_messages[0]
    assert message["data"]["phrase3"]["value"] == "不予受理"
    assert message["data"]["thing4"]["value"] == reason[:19] + "…"


def test_a_long_category_name_is_cut_to_the_thing_limit(case_with_two_reporters, fake_wechat):
    from app.catalog.models import Category

    db.session.get(Category, "C0101").minor_name = "上水井盖（含自来水公司管辖的各类阀门井及水表井）"
    case, _, _ = case_with_two_reporters
    event = make_event(case, to_status="closed", from_status="handled")
    record_step(event)

    send_case_step(event.id)

    thing = fake_wechat.sent_messages[0]["data"]["thing1"]["value"]
    assert len(thing) == 20 and thing.endswith("…")


def test_a_dispatch_names_the_department(world, fake_wechat, templates):
    case = make_case(world, department_code="CGZF")
    make_report(world, make_reporter(fake_wechat), case=case)
    event = make_event(case, to_status="dispatched", from_status="accepted", note="内部备注：请今天处理")
    record_step(event)

    send_case_step(event.id)

    assert fake_wechat.sent_messages[0]["data"]["thing4"]["value"] == "已交城管执法处理"


def test_an_internal_event_tells_nobody(case_with_two_reporters, fake_wechat):
    case, _, _ = case_with_two_reporters
    event = make_event(case, to_status="accepted", public=False)
    record_step(event)

    send_case_step(event.id)

    assert fake_wechat.sent_messages == []
    assert db.session.scalars(db.select(Notification)).all() == []


@pytest.mark.parametrize("to_status", ["in_progress", "handled"])
def test_intermediate_steps_spend_no_subscription(case_with_two_reporters, fake_wechat, to_status):
    case, _, _ = case_with_two_reporters
    event = make_event(case, to_status=to_status)
    record_step(event)

    send_case_step(event.id)

    assert fake_wechat.sent_messages == []


def test_staff_reporters_without_openid_are_skipped(world, fake_wechat, templates):
    case = make_case(world)
    alice = make_reporter(fake_wechat, "alice")
    make_report(world, alice, case=case)
    make_report(world, make_staff(), case=case)
    event = make_event(case, to_status="accepted")
    record_step(event)

    send_case_step(event.id)

    assert recipients(fake_wechat) == [alice.openid]
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1


def test_one_refusal_does_not_stop_the_other_reporters(case_with_two_reporters, fake_wechat):
    case, _, _ = case_with_two_reporters
    fake_wechat.inject("cgi-bin/message/subscribe/send", 43101)
    event = make_event(case, to_status="accepted")
    record_step(event)

    send_case_step(event.id)

    statuses = sorted(db.session.scalars(db.select(Notification.status)))
    assert statuses == ["not_delivered", "sent"]
    assert len(fake_wechat.sent_messages) == 1
