import pytest

from wechat import (
    InvalidRequest,
    OutcomeUnknown,
    SubscriptionRefused,
    WeChatClient,
    WeChatUnavailable,
    fit_template_data,
    truncate_phrase,
    truncate_thing,
)

SEND = "cgi-bin/message/subscribe/send"


def test_a_subscribe_message_reaches_wechat_in_its_documented_shape(wechat_client, fake_wechat, alice_openid):
    msgid = wechat_client.send_subscribe_message(
        alice_openid, "TEMPLATE-1", {"thing1": "路灯不亮", "phrase2": {"value": "已受理"}}, page="pages/report/detail?id=7"
    )

    assert msgid
    assert fake_wechat.sent_messages == [
        {
            "touser": alice_openid,
            "template_id": "TEMPLATE-1",
            "page": "pages/report/detail?id=7",
            "data": {"thing1": {"value": "路灯不亮"}, "phrase2": {"value": "已受理"}},
            "miniprogram_state": "formal",
            "lang": "zh_CN",
        }
    ]


def test_state_and_language_can_be_chosen(wechat_client, fake_wechat, alice_openid):
    wechat_client.send_subscribe_message(alice_openid, "T", {"thing1": "x"}, state="developer", lang="en_US")

    (sent,) = fake_wechat.sent_messages
    assert (sent["miniprogram_state"], sent["lang"]) == ("developer", "en_US")
    assert "page" not in sent


def test_values_too_long_for_their_field_are_cut_before_sending(wechat_client, fake_wechat, alice_openid):
    long_description = "小区东门附近的路灯已经连续三个晚上不亮了请尽快修理"

    wechat_client.send_subscribe_message(alice_openid, "T", {"thing1": long_description, "phrase2": "处理中请稍候"})

    (sent,) = fake_wechat.sent_messages
    assert len(sent["data"]["thing1"]["value"]) == 20
    assert sent["data"]["thing1"]["value"].endswith("…")
    assert sent["data"]["phrase2"]["value"] == "处理中请稍"


def test_a_refused_subscription_is_a_permanent_failure(wechat_client, fake_wechat, alice_openid):
    fake_wechat.inject(SEND, 43101)

    with pytest.raises(SubscriptionRefused) as caught:
        wechat_client.send_subscribe_message(alice_openid, "T", {"thing1": "x"})
    assert caught.value.is_permanent
    assert not caught.value.is_retryable
    assert fake_wechat.sent_messages == []


@pytest.mark.parametrize("errcode", [40003, 40037, 47003, 41030])
def test_bad_request_errors_are_permanent(wechat_client, fake_wechat, alice_openid, errcode):
    fake_wechat.inject(SEND, errcode)

    with pytest.raises(InvalidRequest) as caught:
        wechat_client.send_subscribe_message(alice_openid, "T", {"thing1": "x"})
    assert caught.value.is_permanent


def test_a_malformed_openid_is_refused_by_wechat(wechat_client):
    with pytest.raises(InvalidRequest) as caught:
        wechat_client.send_subscribe_message("not-an-openid", "T", {"thing1": "x"})
    assert caught.value.errcode == 40003


def test_a_busy_wechat_is_worth_retrying(wechat_client, fake_wechat, alice_openid):
    fake_wechat.inject(SEND, -1)

    with pytest.raises(WeChatUnavailable) as caught:
        wechat_client.send_subscribe_message(alice_openid, "T", {"thing1": "x"})
    assert caught.value.is_retryable


def test_a_send_whose_answer_never_comes_may_have_been_delivered(make_client, fake_wechat, alice_openid):
    fake_wechat.inject(SEND, delay=0.5)

    with pytest.raises(OutcomeUnknown):
        make_client(timeout=0.2).send_subscribe_message(alice_openid, "T", {"thing1": "x"})


def test_a_connection_dropped_during_a_send_may_have_been_delivered(wechat_client, fake_wechat, alice_openid):
    fake_wechat.inject(SEND, disconnect=True)

    with pytest.raises(OutcomeUnknown):
        wechat_client.send_subscribe_message(alice_openid, "T", {"thing1": "x"})


def test_a_refused_connection_certainly_sent_nothing(appid, app_secret, alice_openid):
    from tests.workers import free_port

    client = WeChatClient(appid, app_secret, api_base=f"http://127.0.0.1:{free_port()}/")

    with pytest.raises(WeChatUnavailable) as caught:
        client.send_subscribe_message(alice_openid, "T", {"thing1": "x"})
    assert not isinstance(caught.value, OutcomeUnknown)


def test_an_http_error_is_an_answer_not_an_unknown(wechat_client, fake_wechat, alice_openid):
    fake_wechat.inject(SEND, http_status=502)

    with pytest.raises(WeChatUnavailable) as caught:
        wechat_client.send_subscribe_message(alice_openid, "T", {"thing1": "x"})
    assert not isinstance(caught.value, OutcomeUnknown)


def test_thing_values_keep_twenty_characters_with_an_ellipsis():
    assert truncate_thing("一" * 20) == "一" * 20
    assert truncate_thing("一" * 21) == "一" * 19 + "…"


def test_phrase_values_are_cut_to_five_characters():
    assert truncate_phrase("已受理") == "已受理"
    assert truncate_phrase("已经受理完毕") == "已经受理完"


def test_template_data_accepts_plain_values_and_wechat_shaped_values():
    assert fit_template_data({"thing1": "a", "time2": {"value": "2024-05-01 10:00"}, "number3": 7}) == {
        "thing1": {"value": "a"},
        "time2": {"value": "2024-05-01 10:00"},
        "number3": {"value": "7"},
    }
