"""The seam between the app and WeChat: the only package that imports wechatpy."""

from wechat.client import DEFAULT_API_BASE, WeChatClient
from wechat.errors import (
    AccessTokenInvalid,
    HighRiskUser,
    InvalidCode,
    InvalidRequest,
    OutcomeUnknown,
    RateLimited,
    SubscriptionRefused,
    WeChatError,
    WeChatUnavailable,
    error_for,
)
from wechat.push import InvalidPush, PushCrypto, check_signature, parse_push, sign_push, timestamp_is_fresh
from wechat.subscribe_data import fit_template_data, truncate_phrase, truncate_thing
from wechat.tokens import MemoryCache

__all__ = [
    "DEFAULT_API_BASE",
    "AccessTokenInvalid",
    "HighRiskUser",
    "InvalidCode",
    "InvalidPush",
    "InvalidRequest",
    "MemoryCache",
    "OutcomeUnknown",
    "PushCrypto",
    "RateLimited",
    "SubscriptionRefused",
    "WeChatClient",
    "WeChatError",
    "WeChatUnavailable",
    "check_signature",
    "error_for",
    "fit_template_data",
    "parse_push",
    "sign_push",
    "timestamp_is_fresh",
    "truncate_phrase",
    "truncate_thing",
]
