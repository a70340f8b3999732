import pytest

from app.core.extensions import db
from app.moderation.service import check_report_text
from tests.factories import make_staff
from tests.notifications.rows import make_case, make_report, make_reporter

CHECK = "wxa/msg_sec_check"


@pytest.fixture
def reporter(world, fake_wechat):
    return make_reporter(fake_wechat, "alice")


def test_clean_text_passes_and_is_not_flagged(world, reporter):
    report = make_report(world, reporter, description="路灯不亮了")

    check_report_text(report=report)

    assert (report.text_check, report.flagged) == ("pass", False)


def test_risky_text_flags_the_report_and_its_case(world, reporter):
    report = make_report(world, reporter, description="这里有人卖违禁品", case=make_case(world))

    check_report_text(report=report)

    assert (report.text_check, report.flagged, report.case.flagged) == ("risky", True, True)


def test_text_for_review_is_recorded_but_not_flagged(world, reporter, fake_wechat, monkeypatch):
    monkeypatch.setattr(fake_wechat, "review_words", ("可疑",))
    report = make_report(world, reporter, description="有个可疑的包裹")

    check_report_text(report=report)

    assert (report.text_check, report.flagged) == ("review", False)


def test_the_check_is_version_2_with_the_reporters_openid_and_the_comment_scene(world, reporter, fake_wechat):
    report = make_report(world, reporter, description="井盖缺失")

    check_report_text(report=report)

    (call,) = fake_wechat.calls_to(CHECK)
    assert call["json"] == {"version": 2, "openid": reporter.openid, "scene": 2, "content": "井盖缺失"}


@pytest.mark.parametrize("failure", [{"errcode": -1}, {"http_status": 502}, {"disconnect": True}])
def test_wechat_down_leaves_the_text_pending_without_raising(world, reporter, fake_wechat, failure):
    fake_wechat.inject(CHECK, **failure)
    report = make_report(world, reporter)

    check_report_text(report=report)

    assert (report.text_check, report.flagged) == ("pending", False)


def test_a_pending_text_is_checked_when_the_job_runs_again(world, reporter, fake_wechat):
    fake_wechat.inject(CHECK, -1)
    report = make_report(world, reporter, description="违禁")
    check_report_text(report=report)

    check_report_text(report=report)

    assert report.text_check == "risky"


def test_a_decided_text_is_not_checked_again(world, reporter, fake_wechat):
    report = make_report(world, reporter)
    check_report_text(report=report)

    check_report_text(report=report)

    assert len(fake_wechat.calls_to(CHECK)) == 1


def test_an_empty_description_needs_no_check(world, reporter, fake_wechat):
    report = make_report(world, reporter, description="  ")

    check_report_text(report=report)

    assert report.text_check == "skipped"
    assert fake_wechat.calls_to(CHECK) == []


def test_a_reporter_without_openid_cannot_be_checked_by_wechat(world, fake_wechat):
    report = make_report(world, make_staff(), description="井盖缺失")
    db.session.flush()

    check_report_text(report=report)

    assert report.text_check == "skipped"
    assert fake_wechat.calls_to(CHECK) == []
