import json

import pytest

from wechat import InvalidPush, PushCrypto, check_signature, parse_push, sign_push
from wechat.fake.server import encrypt_push

PUSH_TOKEN = "push-token-123"
CRYPTO = PushCrypto(
    token=PUSH_TOKEN, encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", appid="wx0123456789abcdef"
)

IMAGE_XML = """<xml>
<ToUserName><![CDATA[gh_account]]></ToUserName>
<FromUserName><![CDATA[oResident000000000000000001]]></FromUserName>
<CreateTime>1714540800</CreateTime>
<MsgType><![CDATA[image]]></MsgType>
<PicUrl><![CDATA[http://mmbiz.qpic.cn/pic.jpg]]></PicUrl>
<MediaId><![CDATA[MEDIA-1]]></MediaId>
<MsgId>23456789012345678</MsgId>
</xml>"""

LOCATION_XML = """<xml>
<ToUserName><![CDATA[gh_account]]></ToUserName>
<FromUserName><![CDATA[oResident000000000000000001]]></FromUserName>
<CreateTime>1714540900</CreateTime>
<MsgType><![CDATA[location]]></MsgType>
<Location_X>30.741532</Location_X>
<Location_Y>121.341234</Location_Y>
<Scale>15</Scale>
<Label><![CDATA[上海市金山区石化街道]]></Label>
<MsgId>23456789012345679</MsgId>
</xml>"""


def test_a_correct_signature_is_accepted():
    query = sign_push(PUSH_TOKEN, timestamp="1714540800", nonce="n1")

    assert check_signature(PUSH_TOKEN, query["signature"], query["timestamp"], query["nonce"])


def test_a_forged_signature_is_rejected():
    assert not check_signature(PUSH_TOKEN, "0" * 40, "1714540800", "n1")


def test_a_signature_made_with_another_token_is_rejected():
    query = sign_push("someone-else", timestamp="1714540800", nonce="n1")

    assert not check_signature(PUSH_TOKEN, query["signature"], query["timestamp"], query["nonce"])


def test_a_media_check_push_reads_the_verdict_from_result_suggest(fake_wechat, wechat_client, alice_openid):
    trace_id = wechat_client.media_check_async(alice_openid, "https://cdn.example.com/p/1.jpg")
    body = json.dumps(fake_wechat.media_check_event(trace_id, suggest="risky", label=20002)).encode()

    push = parse_push(body, "application/json")

    assert push["type"] == "event"
    assert push["event"] == "wxa_media_check"
    assert push["trace_id"] == trace_id
    assert push["suggest"] == "risky"
    assert push["label"] == 20002
    assert push["source"] == alice_openid
    assert push["dedupe_key"] == f"wxa_media_check:{trace_id}"


def test_a_passing_media_check_push_says_pass():
    event = {"MsgType": "event", "Event": "wxa_media_check", "trace_id": "t1", "version": 2,
             "errcode": 0, "errmsg": "ok", "result": {"suggest": "pass", "label": 100}, "CreateTime": 1}

    assert parse_push(json.dumps(event).encode(), "application/json")["suggest"] == "pass"


def test_a_media_check_push_in_xml_also_reads_result_suggest():
    xml = """<xml><ToUserName>gh</ToUserName><FromUserName>oUser</FromUserName><CreateTime>1</CreateTime>
    <MsgType>event</MsgType><Event>wxa_media_check</Event><appid>wx1</appid><trace_id>t7</trace_id>
    <version>2</version><detail><strategy>content_model</strategy><suggest>risky</suggest></detail>
    <errcode>0</errcode><errmsg>ok</errmsg><result><suggest>risky</suggest><label>20002</label></result></xml>"""

    push = parse_push(xml.encode(), "text/xml")

    assert (push["trace_id"], push["suggest"], push["label"]) == ("t7", "risky", 20002)
    assert push["detail"] == [{"strategy": "content_model", "suggest": "risky"}]


def test_an_image_message_gives_picture_url_and_media_id():
    push = parse_push(IMAGE_XML.encode(), "text/xml")

    assert push["type"] == "image"
    assert push["pic_url"] == "http://mmbiz.qpic.cn/pic.jpg"
    assert push["media_id"] == "MEDIA-1"
    assert push["msg_id"] == 23456789012345678
    assert push["source"] == "oResident000000000000000001"
    assert push["create_time"] == 1714540800
    assert push["dedupe_key"] == "23456789012345678"


def test_a_location_message_gives_latitude_and_longitude_as_numbers():
    push = parse_push(LOCATION_XML.encode(), "text/xml")

    assert push["type"] == "location"
    assert push["lat"] == pytest.approx(30.741532)
    assert push["lng"] == pytest.approx(121.341234)
    assert push["scale"] == 15
    assert push["label"] == "上海市金山区石化街道"


def test_an_event_without_msg_id_is_deduplicated_by_sender_and_time():
    subscribe = """<xml><ToUserName>gh</ToUserName><FromUserName>oUser</FromUserName>
    <CreateTime>1714540800</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>"""

    push = parse_push(subscribe.encode(), "text/xml")

    assert push["event"] == "subscribe"
    assert push["msg_id"] is None
    assert push["dedupe_key"] == "oUser:1714540800"


@pytest.mark.parametrize("xml, field, expected", [(IMAGE_XML, "media_id", "MEDIA-1"), (LOCATION_XML, "lat", 30.741532)])
def test_an_encrypted_xml_message_is_decrypted_and_parsed(xml, field, expected):
    body, query = encrypt_push(xml, CRYPTO)

    push = parse_push(body.encode(), "text/xml", crypto=CRYPTO, **query)

    assert push[field] == pytest.approx(expected)


def test_an_encrypted_json_media_check_push_is_decrypted_and_parsed():
    event = {"MsgType": "event", "Event": "wxa_media_check", "trace_id": "t9", "version": 2,
             "result": {"suggest": "review", "label": 21000}, "CreateTime": 1}
    body, query = encrypt_push(json.dumps(event), CRYPTO, as_json=True)

    push = parse_push(body.encode(), "application/json", crypto=CRYPTO, **query)

    assert (push["trace_id"], push["suggest"]) == ("t9", "review")


def test_an_encrypted_push_with_a_wrong_signature_is_refused():
    body, query = encrypt_push(IMAGE_XML, CRYPTO)
    query["msg_signature"] = "0" * 40

    with pytest.raises(InvalidPush):
        parse_push(body.encode(), "text/xml", crypto=CRYPTO, **query)


def test_an_encrypted_push_for_another_app_is_refused():
    body, query = encrypt_push(IMAGE_XML, CRYPTO)
    other_app = PushCrypto(CRYPTO.token, CRYPTO.encoding_aes_key, "wxotherapp00000000")

    with pytest.raises(InvalidPush):
        parse_push(body.encode(), "text/xml", crypto=other_app, **query)


def test_an_encrypted_push_without_crypto_settings_is_refused():
    body, query = encrypt_push(IMAGE_XML, CRYPTO)

    with pytest.raises(InvalidPush):
        parse_push(body.encode(), "text/xml", **query)


@pytest.mark.parametrize("body", [b"not xml at all", b"{broken json", b"<xml><unclosed></xml>", b"\xff\xfe"])
def test_an_unreadable_body_is_an_invalid_push(body):
    with pytest.raises(InvalidPush):
        parse_push(body, None)


def test_xml_declaring_a_doctype_is_refused_before_it_is_parsed():
    with pytest.raises(InvalidPush, match="DOCTYPE"):
        parse_push("<!DOCTYPE xml>" + IMAGE_XML, "text/xml")


def test_a_push_timestamp_is_fresh_only_within_the_window_either_way():
    from wechat import timestamp_is_fresh

    assert timestamp_is_fresh("1000", now=1300, max_age_seconds=300)
    assert timestamp_is_fresh("1600", now=1300, max_age_seconds=300)
    assert not timestamp_is_fresh("999", now=1300, max_age_seconds=300)
    assert not timestamp_is_fresh("1601", now=1300, max_age_seconds=300)
    assert not timestamp_is_fresh("soon", now=1300, max_age_seconds=300)
