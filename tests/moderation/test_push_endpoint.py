import json
import time

import pytest

from app.core.extensions import db
from app.moderation.service import request_photo_checks
from app.photos.models import Photo
from app.reports.models import Report
from tests.notifications.rows import make_case, make_photo, make_report, make_reporter
from wechat import PushCrypto, sign_push
from wechat.fake.server import encrypt_push

PUSH_URL = "/api/v1/wechat/push"


@pytest.fixture
def push_token(app):
    return app.config["WECHAT_PUSH_TOKEN"]


@pytest.fixture
def checked_photo(world, fake_wechat, media_check_on):
    """A photo of a routed report, sent to WeChat and waiting for its verdict."""
    report = make_report(world, make_reporter(fake_wechat, "alice"), case=make_case(world))
    photo = make_photo(report)
    request_photo_checks(report=report)
    db.session.commit()
    return photo


def push(client, body, query, content_type="application/json"):
    return client.post(PUSH_URL, query_string=query, data=body, content_type=content_type)


def verdict(fake_wechat, photo, suggest):
    return json.dumps(fake_wechat.media_check_event(photo.media_trace_id, suggest=suggest))


def reloaded(photo):
    db.session.expire_all()
    photo = db.session.get(Photo, photo.id)
    return photo, db.session.get(Report, photo.report_id)


def test_the_url_check_echoes_echostr_when_signed(client, push_token):
    response = client.get(PUSH_URL, query_string={**sign_push(push_token), "echostr": "4711-echo"})

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "4711-echo"
    assert response.mimetype == "text/plain"


def test_the_url_check_is_refused_with_a_bad_signature(client, push_token):
    query = {**sign_push("not-our-token"), "echostr": "4711-echo"}

    response = client.get(PUSH_URL, query_string=query)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "invalid_signature"


def test_a_risky_verdict_hides_the_photo_and_flags_report_and_case(client, checked_photo, fake_wechat, push_token):
    response = push(client, verdict(fake_wechat, checked_photo, "risky"), sign_push(push_token))

    assert response.status_code == 200
    assert (response.get_data(as_text=True), response.mimetype) == ("success", "text/plain")
    photo, report = reloaded(checked_photo)
    assert photo.media_check == "risky"
    assert not photo.publicly_visible
    assert report.flagged and report.case.flagged


def test_a_passing_verdict_makes_the_photo_public(client, checked_photo, fake_wechat, push_token):
    push(client, verdict(fake_wechat, checked_photo, "pass"), sign_push(push_token))

    photo, report = reloaded(checked_photo)
    assert photo.publicly_visible
    assert not report.flagged


def test_a_verdict_for_review_keeps_the_photo_hidden_without_a_flag(client, checked_photo, fake_wechat, push_token):
    push(client, verdict(fake_wechat, checked_photo, "review"), sign_push(push_token))

    photo, report = reloaded(checked_photo)
    assert (photo.media_check, photo.publicly_visible, report.flagged) == ("review", False, False)


def test_a_push_with_a_bad_signature_is_refused_and_changes_nothing(client, checked_photo, fake_wechat):
    response = push(client, verdict(fake_wechat, checked_photo, "risky"), sign_push("forged-token"))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "invalid_signature"
    photo, report = reloaded(checked_photo)
    assert (photo.media_check, report.flagged) == ("pending", False)


def test_a_push_without_a_signature_is_refused(client, checked_photo, fake_wechat):
    response = push(client, verdict(fake_wechat, checked_photo, "risky"), {})

    assert response.status_code == 403
    assert reloaded(checked_photo)[0].media_check == "pending"


def test_a_repeated_push_is_harmless(client, checked_photo, fake_wechat, push_token):
    body = verdict(fake_wechat, checked_photo, "risky")

    answers = [push(client, body, sign_push(push_token)) for _ in range(3)]

    assert [a.get_data(as_text=True) for a in answers] == ["success"] * 3
    photo, report = reloaded(checked_photo)
    assert (photo.media_check, report.flagged, report.case.flagged) == ("risky", True, True)


def test_a_verdict_for_an_unknown_trace_id_is_acknowledged_and_ignored(client, checked_photo, fake_wechat,
                                                                        push_token):
    event = fake_wechat.media_check_event("trace-we-never-asked-for", suggest="risky")

    response = push(client, json.dumps(event), sign_push(push_token))

    assert (response.status_code, response.get_data(as_text=True)) == (200, "success")
    assert reloaded(checked_photo)[0].media_check == "pending"


def test_an_xml_push_is_read_too(client, checked_photo, push_token):
    xml = f"""<xml><ToUserName>gh_fake</ToUserName><FromUserName>oUser</FromUserName><CreateTime>1</CreateTime>
    <MsgType>event</MsgType><Event>wxa_media_check</Event><appid>wx1</appid>
    <trace_id>{checked_photo.media_trace_id}</trace_id><version>2</version><errcode>0</errcode><errmsg>ok</errmsg>
    <result><suggest>risky</suggest><label>20002</label></result></xml>"""

    response = push(client, xml, sign_push(push_token), content_type="text/xml")

    assert response.status_code == 200
    assert reloaded(checked_photo)[0].media_check == "risky"


def test_an_encrypted_push_is_decrypted_with_the_configured_key(client, checked_photo, fake_wechat, push_token,
                                                               app, monkeypatch):
    aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    monkeypatch.setitem(app.config, "WECHAT_PUSH_AES_KEY", aes_key)
    crypto = PushCrypto(push_token, aes_key, app.config["WECHAT_APPID"])
    body, query = encrypt_push(verdict(fake_wechat, checked_photo, "risky"), crypto, as_json=True)
    query.update(signature=sign_push(push_token, query["timestamp"], query["nonce"])["signature"])

    response = push(client, body, query)

    assert response.status_code == 200
    assert reloaded(checked_photo)[0].media_check == "risky"


def test_an_unreadable_push_is_a_400(client, push_token):
    response = push(client, "{not json", sign_push(push_token))

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_push"


def test_other_events_are_acknowledged(client, push_token):
    event = {"ToUserName": "gh", "FromUserName": "oUser", "CreateTime": 1, "MsgType": "event",
             "Event": "user_enter_tempsession"}

    response = push(client, json.dumps(event), sign_push(push_token))

    assert (response.status_code, response.get_data(as_text=True)) == (200, "success")


# --- XML that declares things: refused unread, so WeChat's retries change nothing either ---------

def media_check_xml(photo, doctype=""):
    return f"""<?xml version="1.0"?>{doctype}<xml><ToUserName>gh_fake</ToUserName><FromUserName>oUser</FromUserName>
    <CreateTime>1</CreateTime><MsgType>event</MsgType><Event>wxa_media_check</Event><appid>wx1</appid>
    <trace_id>{photo.media_trace_id}</trace_id><version>2</version><errcode>0</errcode><errmsg>ok</errmsg>
    <result><suggest>risky</suggest><label>20002</label></result></xml>"""


LAUGHS = ('<!DOCTYPE xml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
DOCTYPES = {
    "entity expansion": LAUGHS,
    "an external entity": '<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    "a bare doctype": "<!DOCTYPE xml>",
}


@pytest.mark.parametrize("doctype", DOCTYPES.values(), ids=DOCTYPES.keys())
def test_a_signed_push_declaring_a_doctype_is_a_400_and_changes_nothing(client, checked_photo, push_token, doctype):
    answers = [push(client, media_check_xml(checked_photo, doctype), sign_push(push_token), content_type="text/xml")
               for _ in range(3)]  # WeChat's three retries

    assert [(a.status_code, a.get_json()["error"]["code"]) for a in answers] == [(400, "invalid_push")] * 3
    assert reloaded(checked_photo)[0].media_check == "pending"


def test_an_encrypted_push_whose_envelope_names_an_external_dtd_is_a_400(client, checked_photo, fake_wechat,
                                                                     push_token, app, monkeypatch):
    aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    monkeypatch.setitem(app.config, "WECHAT_PUSH_AES_KEY", aes_key)
    crypto = PushCrypto(push_token, aes_key, app.config["WECHAT_APPID"])
    body, query = encrypt_push(verdict(fake_wechat, checked_photo, "risky"), crypto)
    query.update(signature=sign_push(push_token, query["timestamp"], query["nonce"])["signature"])

    external_dtd = '<!DOCTYPE xml SYSTEM "http://attacker.example/push.dtd">'

    response = push(client, external_dtd + body, query, content_type="text/xml")

    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "invalid_push")
    assert reloaded(checked_photo)[0].media_check == "pending"


def test_a_signed_push_nested_100000_deep_is_a_400(client, push_token):
    body = '{"a":' + "[" * 100_000 + "]" * 100_000 + "}"

    response = push(client, body, sign_push(push_token), content_type="text/plain")

    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "invalid_push")


# --- replay window and safe mode ---------------------------------------------------------

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def signed_at(token, seconds_from_now):
    return sign_push(token, timestamp=int(time.time()) + seconds_from_now)


def test_a_push_signed_longer_ago_than_the_window_is_refused_and_changes_nothing(
        client, checked_photo, fake_wechat, push_token):
    response = push(client, verdict(fake_wechat, checked_photo, "risky"), signed_at(push_token, -301))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "stale_push"
    assert reloaded(checked_photo)[0].media_check == "pending"


def test_a_push_dated_beyond_the_window_in_the_future_is_refused(client, checked_photo, fake_wechat, push_token):
    response = push(client, verdict(fake_wechat, checked_photo, "risky"), signed_at(push_token, 301))

    assert response.status_code == 403


def test_a_push_signed_inside_the_window_is_accepted(client, checked_photo, fake_wechat, push_token):
    response = push(client, verdict(fake_wechat, checked_photo, "pass"), signed_at(push_token, -290))

    assert response.status_code == 200
    assert reloaded(checked_photo)[0].media_check == "pass"


def test_the_window_comes_from_the_settings(client, app, push_token, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_PUSH_MAX_AGE_SECONDS", 10)
    response = client.get(PUSH_URL, query_string={**signed_at(push_token, -60), "echostr": "4711-echo"})

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "stale_push"


def test_with_an_aes_key_set_a_plain_push_is_refused_and_changes_nothing(
        client, checked_photo, fake_wechat, push_token, app, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_PUSH_AES_KEY", AES_KEY)

    response = push(client, verdict(fake_wechat, checked_photo, "pass"), sign_push(push_token))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "encrypted_push_required"
    assert reloaded(checked_photo)[0].media_check == "pending"
