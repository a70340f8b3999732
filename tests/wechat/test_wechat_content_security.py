import pytest

from wechat import WeChatError


def test_clean_text_passes(wechat_client, alice_openid):
    assert wechat_client.msg_sec_check(alice_openid, "路灯坏了") == "pass"


def test_text_with_a_forbidden_word_is_risky_although_errcode_is_zero(wechat_client, alice_openid):
    assert wechat_client.msg_sec_check(alice_openid, "这里有违禁品") == "risky"


def test_text_check_uses_version_2_with_openid_and_scene(wechat_client, fake_wechat, alice_openid):
    wechat_client.msg_sec_check(alice_openid, "路灯坏了", scene=3)

    (call,) = fake_wechat.calls_to("wxa/msg_sec_check")
    assert call["json"] == {"version": 2, "openid": alice_openid, "scene": 3, "content": "路灯坏了"}


def test_review_words_can_be_configured_on_the_fake(wechat_client, fake_wechat, alice_openid):
    fake_wechat.review_words = ("可疑",)

    assert wechat_client.msg_sec_check(alice_openid, "有点可疑") == "review"


def test_an_image_check_returns_a_trace_id_the_fake_remembers(wechat_client, fake_wechat, alice_openid):
    trace_id = wechat_client.media_check_async(alice_openid, "https://cdn.example.com/p/1.jpg")

    assert trace_id
    assert fake_wechat.media_checks == [
        {"trace_id": trace_id, "openid": alice_openid, "media_url": "https://cdn.example.com/p/1.jpg", "scene": 2}
    ]
    (call,) = fake_wechat.calls_to("wxa/media_check_async")
    assert call["json"]["version"] == 2
    assert call["json"]["media_type"] == 2


def test_temporary_media_downloads_as_bytes(wechat_client, fake_wechat):
    fake_wechat.add_media("MEDIA-1", b"\xff\xd8\xff\xe0 fake jpeg bytes")

    assert wechat_client.get_media("MEDIA-1") == b"\xff\xd8\xff\xe0 fake jpeg bytes"


def test_unknown_media_is_a_permanent_error(wechat_client):
    with pytest.raises(WeChatError) as caught:
        wechat_client.get_media("NO-SUCH-MEDIA")
    assert caught.value.errcode == 40007
    assert caught.value.is_permanent
