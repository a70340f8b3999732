import pytest

from app.moderation.service import absolute_url, request_photo_checks
from tests.notifications.rows import make_photo, make_report, make_reporter

CHECK = "wxa/media_check_async"


@pytest.fixture
def report(world, fake_wechat):
    return make_report(world, make_reporter(fake_wechat, "alice"))


def test_a_processed_photo_is_sent_for_checking_by_its_absolute_url(report, fake_wechat, media_check_on):
    photo = make_photo(report)

    request_photo_checks(report=report)

    (check,) = fake_wechat.media_checks
    assert check["media_url"] == f"{media_check_on}/media/derivatives/{photo.id}/large.jpg"
    assert (check["openid"], check["scene"]) == (report.user.openid, 2)
    assert photo.media_trace_id == check["trace_id"]
    assert photo.media_check == "pending"
    assert not photo.publicly_visible


def test_a_photo_with_a_trace_id_is_not_sent_twice(report, fake_wechat, media_check_on):
    make_photo(report)

    request_photo_checks(report=report)
    request_photo_checks(report=report)

    assert len(fake_wechat.media_checks) == 1


def test_an_unprocessed_photo_waits_for_its_derivatives(report, fake_wechat, media_check_on):
    photo = make_photo(report, processed=False)

    request_photo_checks(report=report)

    assert fake_wechat.media_checks == []
    assert (photo.media_check, photo.media_trace_id) == ("pending", None)


def test_with_the_check_off_photos_are_skipped_and_shown(report, fake_wechat, app, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_MEDIA_CHECK", "off")
    photo = make_photo(report)

    request_photo_checks(report=report)

    assert fake_wechat.calls_to(CHECK) == []
    assert photo.media_check == "skipped"
    assert photo.publicly_visible


def test_without_a_public_address_a_local_photo_stays_hidden_and_unsent(report, fake_wechat, media_check_on,
                                                                       monkeypatch, app):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", None)
    photo = make_photo(report)

    request_photo_checks(report=report)

    assert fake_wechat.calls_to(CHECK) == []
    assert (photo.media_check, photo.media_trace_id) == ("pending", None)
    assert not photo.publicly_visible


def test_wechat_down_leaves_the_photo_pending_for_the_next_run(report, fake_wechat, media_check_on):
    fake_wechat.inject(CHECK, -1)
    photo = make_photo(report)

    request_photo_checks(report=report)
    assert (photo.media_check, photo.media_trace_id) == ("pending", None)

    request_photo_checks(report=report)
    assert photo.media_trace_id is not None


def test_presigned_urls_are_already_absolute(app, media_check_on):
    presigned = "https://bucket.cos.ap-shanghai.myqcloud.com/derivatives/x/large.jpg?X-Amz-Signature=abc"

    assert absolute_url(presigned) == presigned
    assert absolute_url("/media/derivatives/x/large.jpg") == "https://grid.example.cn/media/derivatives/x/large.jpg"
