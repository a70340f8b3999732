import pytest

from wechat import (
    AccessTokenInvalid,
    HighRiskUser,
    InvalidCode,
    InvalidRequest,
    RateLimited,
    SubscriptionRefused,
    WeChatError,
    WeChatUnavailable,
    error_for,
)


@pytest.mark.parametrize(
    "errcode, expected_class, retryable",
    [
        (40029, InvalidCode, False),
        (40163, InvalidCode, False),
        (45011, RateLimited, True),
        (40226, HighRiskUser, False),
        (-1, WeChatUnavailable, True),
        (43101, SubscriptionRefused, False),
        (40003, InvalidRequest, False),
        (40037, InvalidRequest, False),
        (47003, InvalidRequest, False),
        (41030, InvalidRequest, False),
        (40001, AccessTokenInvalid, True),
        (42001, AccessTokenInvalid, True),
    ],
)
def test_each_errcode_maps_to_its_class_and_retry_advice(errcode, expected_class, retryable):
    error = error_for(errcode, "msg")

    assert type(error) is expected_class
    assert error.errcode == errcode
    assert error.is_retryable is retryable
    assert error.is_permanent is not retryable


def test_an_unknown_errcode_is_a_permanent_plain_wechat_error():
    error = error_for(99999, "something new")

    assert type(error) is WeChatError
    assert error.is_permanent


def test_every_wechat_error_is_catchable_as_wechat_error():
    assert issubclass(WeChatUnavailable, WeChatError)
    assert issubclass(SubscriptionRefused, WeChatError)


def test_error_text_shows_code_and_message():
    assert str(error_for(45011, "slow down")) == "WeChat error 45011: slow down"
