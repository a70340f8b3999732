"""WeChat failures as exceptions the app can act on without knowing errcodes.

Callers mostly need one decision: try again later (`is_retryable`) or record the
failure and move on (`is_permanent`). Unknown codes count as permanent so that a
misunderstood error never turns into a retry storm.
"""


class WeChatError(Exception):
    retryable = False

    def __init__(self, errcode, errmsg):
        self.errcode = errcode
        self.errmsg = errmsg or ""
        label = "WeChat error" if errcode is None else f"WeChat error {errcode}"
        super().__init__(f"{label}: {self.errmsg}")

    @property
    def is_retryable(self):
        return self.retryable

    @property
    def is_permanent(self):
        return not self.retryable


class WeChatUnavailable(WeChatError):
    """WeChat is busy (-1), unreachable, slow or answered with an HTTP error."""

    retryable = True


class OutcomeUnknown(WeChatUnavailable):
    """The request went out but no answer came back (read timeout, connection dropped
    mid-call): WeChat may have acted on it. A read is safe to repeat; a message may
    already have been delivered, so its sender must not simply send it again."""


class RateLimited(WeChatError):
    """45011: too many calls for this user; worth trying again after a pause."""

    retryable = True


class InvalidCode(WeChatError):
    """40029 / 40163 / 41008: the login or phone code is wrong or spent; the client needs a fresh one."""


class HighRiskUser(WeChatError):
    """40226: WeChat blocks this user from logging in."""


class SubscriptionRefused(WeChatError):
    """43101: the user refused or has used up the subscription; record "not delivered"."""


class InvalidRequest(WeChatError):
    """Our request is wrong (bad openid, template, data or page); retrying cannot help."""


class AccessTokenInvalid(WeChatError):
    """The access token stayed invalid even after one refresh."""

    retryable = True


_CLASS_BY_ERRCODE = {
    -1: WeChatUnavailable,
    45011: RateLimited,
    40029: InvalidCode,
    40163: InvalidCode,
    41008: InvalidCode,  # missing code
    40226: HighRiskUser,
    43101: SubscriptionRefused,
    40003: InvalidRequest,
    40037: InvalidRequest,
    41030: InvalidRequest,
    47003: InvalidRequest,
    40001: AccessTokenInvalid,
    40014: AccessTokenInvalid,
    42001: AccessTokenInvalid,
}


def error_for(errcode, errmsg=""):
    """The exception instance matching a WeChat errcode."""
    return _CLASS_BY_ERRCODE.get(errcode, WeChatError)(errcode, errmsg)
