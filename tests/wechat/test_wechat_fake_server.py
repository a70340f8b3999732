"""The fake must behave like WeChat where our code depends on it."""

import threading

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.core.extensions import DEV_APPID, DEV_SECRET
from wechat import WeChatClient, check_signature
from wechat.fake.server import FakeWeChatServer, start_dev_server


def _stable_token(server, appid, secret, force_refresh=False):
    body = {"grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force_refresh}
    return requests.post(server.base_url + "cgi-bin/stable_token", json=body, timeout=2).json()


def test_base_url_ends_with_a_slash(fake_wechat):
    assert fake_wechat.base_url.startswith("http://127.0.0.1:")
    assert fake_wechat.base_url.endswith("/")


def test_stable_token_returns_the_same_token_until_forced(fake_wechat, appid, app_secret):
    first = _stable_token(fake_wechat, appid, app_secret)["access_token"]
    second = _stable_token(fake_wechat, appid, app_secret)["access_token"]
    forced = _stable_token(fake_wechat, appid, app_secret, force_refresh=True)["access_token"]

    assert first == second
    assert forced != first


def test_stable_token_refuses_a_wrong_secret(fake_wechat, appid):
    assert _stable_token(fake_wechat, appid, "wrong")["errcode"] == 40125


def test_the_old_token_endpoint_invalidates_the_previous_token(fake_wechat, appid, app_secret):
    params = {"grant_type": "client_credential", "appid": appid, "secret": app_secret}
    first = requests.get(fake_wechat.base_url + "cgi-bin/token", params=params, timeout=2).json()["access_token"]
    second = requests.get(fake_wechat.base_url + "cgi-bin/token", params=params, timeout=2).json()["access_token"]

    assert first != second
    assert fake_wechat.access_token == second


def test_token_endpoints_answer_40001_for_a_wrong_token(fake_wechat):
    reply = requests.post(
        fake_wechat.base_url + "wxa/msg_sec_check", params={"access_token": "forged"}, json={}, timeout=2
    ).json()

    assert reply["errcode"] == 40001


def test_subscribe_values_longer_than_the_field_limit_are_refused(fake_wechat, appid, app_secret, alice_openid):
    token = _stable_token(fake_wechat, appid, app_secret)["access_token"]
    body = {"touser": alice_openid, "template_id": "T", "data": {"thing1": {"value": "长" * 21}}}

    reply = requests.post(
        fake_wechat.base_url + "cgi-bin/message/subscribe/send", params={"access_token": token}, json=body, timeout=2
    ).json()

    assert reply["errcode"] == 47003
    assert fake_wechat.sent_messages == []


def test_jscode2session_is_served_as_text_plain_like_the_real_one(fake_wechat, appid, app_secret):
    params = {"appid": appid, "secret": app_secret, "js_code": "alice", "grant_type": "authorization_code"}
    response = requests.get(fake_wechat.base_url + "sns/jscode2session", params=params, timeout=2)

    assert response.headers["Content-Type"].startswith("text/plain")


def test_the_dev_server_starts_once_per_process():
    # The app's development credentials: the process-wide server keeps the first caller's.
    assert start_dev_server(DEV_APPID, DEV_SECRET) == start_dev_server(DEV_APPID, DEV_SECRET)


def test_the_dev_server_gives_the_same_openid_for_the_same_code_every_time():
    client = WeChatClient(DEV_APPID, DEV_SECRET, api_base=start_dev_server(DEV_APPID, DEV_SECRET), timeout=2)
    assert client.code_to_session("any-code")["openid"] == client.code_to_session("any-code")["openid"]


def test_with_a_push_url_media_verdicts_are_pushed_signed_like_wechat(appid, app_secret, make_client):
    received = []
    arrived = threading.Event()

    def receive(environ, start_response):
        request = Request(environ)
        received.append((dict(request.args), request.get_json()))
        arrived.set()
        return Response("success")(environ, start_response)

    receiver = make_server("127.0.0.1", 0, receive, threaded=True)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    push_url = f"http://127.0.0.1:{receiver.server_port}/wechat/push"
    try:
        with FakeWeChatServer(appid, app_secret, push_url=push_url, push_token="tok") as server:
            client = make_client(api_base=server.base_url)
            trace_id = client.media_check_async(server.openid_for("alice"), "https://cdn.example.com/违禁.jpg")
            assert arrived.wait(5)
    finally:
        receiver.shutdown()

    ((query, event),) = received
    assert check_signature("tok", query["signature"], query["timestamp"], query["nonce"])
    assert event["trace_id"] == trace_id
    assert event["result"]["suggest"] == "risky"
