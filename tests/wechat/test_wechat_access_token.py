import pytest

from wechat import AccessTokenInvalid, MemoryCache, WeChatUnavailable


def test_the_access_token_comes_from_stable_token_with_the_documented_body(
    wechat_client, fake_wechat, appid, app_secret
):
    wechat_client.get_phone_number("phone-code")

    (call,) = fake_wechat.calls_to("cgi-bin/stable_token")
    assert call["method"] == "POST"
    assert call["json"] == {
        "grant_type": "client_credential",
        "appid": appid,
        "secret": app_secret,
        "force_refresh": False,
    }
    assert fake_wechat.calls_to("cgi-bin/token") == []


def test_api_calls_carry_the_token_stable_token_returned(wechat_client, fake_wechat):
    wechat_client.get_phone_number("phone-code")

    (call,) = fake_wechat.calls_to("wxa/business/getuserphonenumber")
    assert call["params"]["access_token"] == fake_wechat.access_token


def test_the_token_is_cached_so_a_second_call_does_not_fetch_it_again(wechat_client, fake_wechat):
    wechat_client.get_phone_number("code-1")
    wechat_client.get_phone_number("code-2")

    assert len(fake_wechat.calls_to("cgi-bin/stable_token")) == 1


def test_clients_sharing_a_cache_share_one_token_fetch(make_client, fake_wechat):
    shared_cache = MemoryCache()

    make_client(cache=shared_cache).get_phone_number("code-1")
    make_client(cache=shared_cache).get_phone_number("code-2")

    assert len(fake_wechat.calls_to("cgi-bin/stable_token")) == 1


def test_the_token_cache_key_does_not_contain_the_secret(make_client, app_secret):
    cache = RecordingRedisLikeCache()

    make_client(cache=cache).get_phone_number("phone-code")

    assert cache.keys_written
    assert not any(app_secret in key for key in cache.keys_written)


def test_a_redis_cache_returning_bytes_is_understood(make_client, fake_wechat):
    cache = RecordingRedisLikeCache()
    make_client(cache=cache).get_phone_number("code-1")

    make_client(cache=cache).get_phone_number("code-2")

    assert len(fake_wechat.calls_to("cgi-bin/stable_token")) == 1


def test_the_cached_token_expires_before_wechat_expires_it(make_client):
    cache = RecordingRedisLikeCache()

    make_client(cache=cache).get_phone_number("phone-code")

    assert 0 < cache.expiry_seconds_written[0] < 7200


def test_an_expired_token_is_refetched_and_the_call_retried(wechat_client, fake_wechat):
    wechat_client.get_phone_number("code-1")
    fake_wechat.expire_access_token()

    assert wechat_client.get_phone_number("code-2") == fake_wechat.phone_number_for("code-2")
    assert [c["json"]["force_refresh"] for c in fake_wechat.calls_to("cgi-bin/stable_token")] == [False, False]


def test_a_token_rejected_with_40001_is_refreshed_once_and_the_call_succeeds(wechat_client, fake_wechat):
    wechat_client.get_phone_number("code-1")
    rejected = fake_wechat.access_token
    fake_wechat.inject("wxa/business/getuserphonenumber", 40001)

    assert wechat_client.get_phone_number("code-2") == fake_wechat.phone_number_for("code-2")
    # stable_token hands back the rejected token first, so the client forces a new one.
    assert [c["json"]["force_refresh"] for c in fake_wechat.calls_to("cgi-bin/stable_token")] == [False, False, True]
    assert fake_wechat.access_token != rejected


def test_a_token_rejected_again_after_refresh_raises_instead_of_looping(wechat_client, fake_wechat):
    fake_wechat.inject("wxa/business/getuserphonenumber", 40001, times=5)

    with pytest.raises(AccessTokenInvalid):
        wechat_client.get_phone_number("phone-code")
    assert len(fake_wechat.calls_to("wxa/business/getuserphonenumber")) == 2


def test_a_token_fetch_failure_is_raised_as_a_wechat_error(wechat_client, fake_wechat):
    fake_wechat.inject("cgi-bin/stable_token", -1)

    with pytest.raises(WeChatUnavailable):
        wechat_client.get_phone_number("phone-code")


class RecordingRedisLikeCache:
    """Behaves like redis.Redis without decode_responses: stores str, returns bytes."""

    def __init__(self):
        self._values = {}
        self.keys_written = []
        self.expiry_seconds_written = []

    def get(self, key):
        value = self._values.get(key)
        return value.encode() if isinstance(value, str) else value

    def set(self, key, value, ex=None):
        self._values[key] = value
        self.keys_written.append(key)
        self.expiry_seconds_written.append(ex)
        return True
