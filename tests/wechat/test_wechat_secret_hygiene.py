"""The app secret, session keys and access tokens must stay out of logs and error text."""

import logging
import traceback

import pytest

from wechat import WeChatError


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)  # urllib3 prints full URLs at DEBUG
    return caplog


def _failure_text(error):
    return str(error) + repr(error) + "".join(traceback.format_exception(error))


def test_a_successful_login_logs_neither_secret_nor_session_key(wechat_client, debug_logs, app_secret):
    session = wechat_client.code_to_session("alice")

    assert "secret=***" in debug_logs.text  # urllib3's request line, masked
    assert app_secret not in debug_logs.text
    assert session["session_key"] not in debug_logs.text


@pytest.mark.parametrize(
    "injection",
    [{"errcode": 40029}, {"errcode": -1}, {"http_status": 502}, {"disconnect": True}],
    ids=["errcode", "busy", "http-502", "dropped-connection"],
)
def test_failed_logins_keep_the_secret_out_of_logs_and_exceptions(
    wechat_client, fake_wechat, debug_logs, app_secret, injection
):
    fake_wechat.inject("sns/jscode2session", **injection)

    with pytest.raises(WeChatError) as caught:
        wechat_client.code_to_session("alice")

    assert app_secret not in _failure_text(caught.value)
    assert app_secret not in debug_logs.text


def test_a_login_that_times_out_keeps_the_secret_out_of_the_exception(make_client, fake_wechat, app_secret):
    fake_wechat.inject("sns/jscode2session", delay=1)

    with pytest.raises(WeChatError) as caught:
        make_client(timeout=0.2).code_to_session("alice")

    assert app_secret not in _failure_text(caught.value)


def test_token_backed_calls_keep_secret_and_token_out_of_logs(wechat_client, fake_wechat, debug_logs, app_secret):
    wechat_client.get_phone_number("phone-code")
    fake_wechat.inject("wxa/msg_sec_check", http_status=502)
    with pytest.raises(WeChatError) as caught:
        wechat_client.msg_sec_check("o" * 28, "text")

    assert app_secret not in debug_logs.text
    assert fake_wechat.access_token not in debug_logs.text
    assert fake_wechat.access_token not in _failure_text(caught.value)


def test_the_client_repr_does_not_show_the_secret(wechat_client, app_secret):
    assert app_secret not in repr(wechat_client)
