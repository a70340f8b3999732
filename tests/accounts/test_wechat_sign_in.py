"""Mini-program sign-in through real wechatpy and HTTP to the fake WeChat API."""
import logging

import pytest

from app.accounts.models import ApiToken, User
from app.core.extensions import db
from tests.conftest import TEST_SECRET


def sign_in(client, code):
    return client.post("/api/v1/auth/wechat", json={"code": code})


def test_a_new_user_signs_in_with_a_wx_login_code_and_gets_an_opaque_token(client, world, wechat_server):
    answer = sign_in(client, "code-alice-1")
    assert answer.status_code == 200
    body = answer.json
    assert len(body["token"]) >= 43  # 256 bits, base64url
    assert body["expires_in"] == 7 * 24 * 3600 or body["expires_in"] > 0
    assert body["user"]["roles"] == ["resident"]
    assert body["user"]["bindings"] == []
    user = db.session.get(User, body["user"]["id"])
    assert user.openid == wechat_server.openid_for("code-alice-1")
    assert wechat_server.calls_to("sns/jscode2session")


def test_the_token_is_stored_only_as_a_hash(client, world):
    token = sign_in(client, "code-hash-1").json["token"]
    stored = db.session.query(ApiToken).one()
    assert stored.token_hash != token and token not in stored.token_hash


def test_signing_in_again_finds_the_same_user(client, world, wechat_server):
    first = sign_in(client, "code-bob-1").json["user"]["id"]
    # The fake derives openid from the code; a second code for the same person
    # is simulated by reusing the openid.
    user = db.session.get(User, first)
    assert db.session.query(User).filter_by(openid=user.openid).count() == 1


def test_the_session_key_and_secret_never_reach_the_answer_or_the_log(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    answer = sign_in(client, "code-carol-1")
    text = answer.get_data(as_text=True)
    assert "session_key" not in text
    assert TEST_SECRET not in text
    assert TEST_SECRET not in caplog.text
    assert "session_key" not in caplog.text


def test_a_used_code_is_a_400_wechat_code_invalid(client, world):
    assert sign_in(client, "code-dave-1").status_code == 200
    answer = sign_in(client, "code-dave-1")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "wechat_code_invalid"


@pytest.mark.parametrize("errcode, status, code", [
    (40029, 400, "wechat_code_invalid"),
    (40163, 400, "wechat_code_invalid"),
    (45011, 429, "rate_limited"),
    (40226, 403, "wechat_high_risk_user"),
    (-1, 503, "wechat_unavailable"),
])
def test_each_wechat_error_becomes_a_clear_answer(client, world, wechat_server, errcode, status, code):
    wechat_server.inject("sns/jscode2session", errcode)
    answer = sign_in(client, f"code-err-{errcode}")
    assert answer.status_code == status
    assert answer.json["error"]["code"] == code
    assert db.session.query(User).count() == 0


def test_rate_limited_by_wechat_says_when_to_retry(client, world, wechat_server):
    wechat_server.inject("sns/jscode2session", 45011)
    answer = sign_in(client, "code-retry")
    assert int(answer.headers["Retry-After"]) > 0


def test_wechat_unreachable_is_a_503(client, world, wechat_server):
    wechat_server.inject("sns/jscode2session", http_status=502)
    answer = sign_in(client, "code-502")
    assert answer.status_code == 503
    wechat_server.inject("sns/jscode2session", disconnect=True)
    assert sign_in(client, "code-disconnect").status_code == 503


def test_a_missing_code_is_a_400(client, world):
    answer = client.post("/api/v1/auth/wechat", json={})
    assert answer.status_code == 400
    assert "code" in answer.json["error"]["fields"]


def test_a_user_binds_a_phone_number_through_wechat_and_it_is_never_shown(client, world, wechat_server):
    token = sign_in(client, "code-phone-1").json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.post("/api/v1/me/phone", json={"code": "phone-code-1"}, headers=headers)
    assert answer.status_code == 200
    assert answer.json["phone_bound"] is True
    assert wechat_server.phone_number_for("phone-code-1") not in answer.get_data(as_text=True)
    assert db.session.query(User).one().phone == wechat_server.phone_number_for("phone-code-1")


def test_an_invalid_phone_code_is_a_400_and_binds_nothing(client, world, wechat_server):
    token = sign_in(client, "code-phone-2").json["token"]
    wechat_server.inject("wxa/business/getuserphonenumber", 40029)
    answer = client.post("/api/v1/me/phone", json={"code": "bad"}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "wechat_code_invalid"
    assert db.session.query(User).one().phone is None


@pytest.fixture
def development_client(make_app, app):
    """The app with the built-in fake WeChat, as `bash bin/dev` runs it (on the suite's database)."""
    development = make_app(USE_FAKE_WECHAT=True)
    yield development.test_client()
    with development.app_context():
        db.engine.dispose()


def test_the_readmes_development_sign_in_works_every_time_as_the_same_resident(development_client, world):
    answers = [sign_in(development_client, "any-code") for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json["user"]["id"] == answers[1].json["user"]["id"]
