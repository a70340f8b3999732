import pytest

from wechat import HighRiskUser, InvalidCode, RateLimited, WeChatClient, WeChatError, WeChatUnavailable
from wechat.fake.server import FakeWeChatServer


def test_login_code_exchanges_for_openid_and_session_key(wechat_client, fake_wechat):
    session = wechat_client.code_to_session("alice")

    assert session["openid"] == fake_wechat.openid_for("alice")
    assert session["session_key"]
    assert session["unionid"] is None


def test_login_sends_appid_secret_and_code_as_wechat_expects(wechat_client, fake_wechat, appid, app_secret):
    wechat_client.code_to_session("alice")

    (call,) = fake_wechat.calls_to("sns/jscode2session")
    assert call["method"] == "GET"
    assert call["params"] == {
        "appid": appid,
        "secret": app_secret,
        "js_code": "alice",
        "grant_type": "authorization_code",
    }


def test_login_does_not_fetch_an_access_token(wechat_client, fake_wechat):
    wechat_client.code_to_session("alice")

    assert fake_wechat.calls_to("cgi-bin/stable_token") == []
    assert fake_wechat.calls_to("cgi-bin/token") == []


def test_login_returns_unionid_when_wechat_has_one(appid, app_secret):
    with FakeWeChatServer(appid, app_secret, with_unionid=True) as server:
        session = WeChatClient(appid, app_secret, api_base=server.base_url).code_to_session("alice")

    assert session["unionid"]


def test_the_same_code_gives_the_same_openid_even_after_a_fake_restart(appid, app_secret):
    openids = []
    for _ in range(2):
        with FakeWeChatServer(appid, app_secret) as server:
            openids.append(WeChatClient(appid, app_secret, api_base=server.base_url).code_to_session("alice")["openid"])

    assert openids[0] == openids[1]


def test_different_codes_give_different_openids(wechat_client):
    assert wechat_client.code_to_session("alice")["openid"] != wechat_client.code_to_session("bob")["openid"]


def test_a_login_code_can_be_used_only_once(wechat_client):
    wechat_client.code_to_session("alice")

    with pytest.raises(InvalidCode) as caught:
        wechat_client.code_to_session("alice")
    assert caught.value.errcode == 40163
    assert caught.value.is_permanent


def test_a_garbage_login_code_is_invalid(wechat_client):
    with pytest.raises(InvalidCode) as caught:
        wechat_client.code_to_session("bad-code")
    assert caught.value.errcode == 40029


def test_a_wrong_secret_is_a_permanent_error(make_client):
    with pytest.raises(WeChatError) as caught:
        make_client(secret="not-the-secret").code_to_session("alice")
    assert caught.value.errcode == 40125
    assert caught.value.is_permanent


@pytest.mark.parametrize(
    "errcode, expected_class, retryable",
    [
        (40029, InvalidCode, False),
        (40163, InvalidCode, False),
        (45011, RateLimited, True),
        (40226, HighRiskUser, False),
        (-1, WeChatUnavailable, True),
    ],
)
def test_login_errors_from_wechat_raise_their_exception_class(
    wechat_client, fake_wechat, errcode, expected_class, retryable
):
    fake_wechat.inject("sns/jscode2session", errcode)

    with pytest.raises(expected_class) as caught:
        wechat_client.code_to_session("alice")
    assert caught.value.errcode == errcode
    assert caught.value.is_retryable is retryable


def test_an_injected_error_lasts_only_the_requested_number_of_calls(wechat_client, fake_wechat):
    fake_wechat.inject("sns/jscode2session", -1, times=2)

    for _ in range(2):
        with pytest.raises(WeChatUnavailable):
            wechat_client.code_to_session("alice")
    assert wechat_client.code_to_session("alice")["openid"] == fake_wechat.openid_for("alice")


def test_an_http_502_from_wechat_is_retryable_unavailability(wechat_client, fake_wechat):
    fake_wechat.inject("sns/jscode2session", http_status=502)

    with pytest.raises(WeChatUnavailable) as caught:
        wechat_client.code_to_session("alice")
    assert caught.value.is_retryable


def test_a_dropped_connection_is_retryable_unavailability(wechat_client, fake_wechat):
    fake_wechat.inject("sns/jscode2session", disconnect=True)

    with pytest.raises(WeChatUnavailable):
        wechat_client.code_to_session("alice")


def test_a_wechat_slower_than_the_timeout_is_retryable_unavailability(make_client, fake_wechat):
    fake_wechat.inject("sns/jscode2session", delay=1)

    with pytest.raises(WeChatUnavailable):
        make_client(timeout=0.2).code_to_session("alice")


def test_an_unreachable_wechat_is_retryable_unavailability(appid, app_secret):
    server = FakeWeChatServer(appid, app_secret).start()
    base_url = server.base_url
    server.stop()

    with pytest.raises(WeChatUnavailable):
        WeChatClient(appid, app_secret, api_base=base_url).code_to_session("alice")


def test_phone_code_exchanges_for_the_phone_number(wechat_client, fake_wechat):
    assert wechat_client.get_phone_number("phone-code") == fake_wechat.phone_number_for("phone-code")


def test_a_spent_phone_code_is_invalid(wechat_client):
    wechat_client.get_phone_number("phone-code")

    with pytest.raises(InvalidCode):
        wechat_client.get_phone_number("phone-code")
