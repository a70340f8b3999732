"""Access token: fetched from `cgi-bin/stable_token` and shared through a cache.

`cgi-bin/token` hands out a new token on every call and so invalidates the token
other processes hold; `stable_token` returns the same token to every caller, and
the cache (Redis in production) spares the round trip.
"""

import logging
import threading
import time

import requests

from wechat.errors import WeChatUnavailable, error_for

logger = logging.getLogger(__name__)

# WeChat renews a stable token five minutes before it expires; drop ours by then too.
_RENEWAL_MARGIN_SECONDS = 300
_MIN_CACHE_SECONDS = 60


class MemoryCache:
    """The `get` / `set(ex=)` subset of redis.Redis, in process, for when no Redis is configured."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value, expires_at = self._entries.get(key, (None, None))
            if expires_at is not None and self._clock() >= expires_at:
                del self._entries[key]
                return None
            return value

    def set(self, key, value, ex=None):
        expires_at = None if ex is None else self._clock() + ex
        with self._lock:
            self._entries[key] = (value, expires_at)
        return True


class StableTokenSource:
    def __init__(self, appid, secret, api_base, cache, http, timeout):
        self._appid = appid
        self._secret = secret
        self._url = f"{api_base}cgi-bin/stable_token"
        self._cache = cache
        self._http = http
        self._timeout = timeout
        self._lock = threading.Lock()
        # Keyed by app id only: the secret must never end up in Redis keys or dumps.
        self.cache_key = f"wechat:access_token:{appid}"

    def get(self):
        return self._cached() or self._fetch_and_cache(force_refresh=False)

    def refresh(self, rejected_token):
        """A fresh token after WeChat rejected `rejected_token`.

        The normal stable_token call may hand back the very token WeChat just
        rejected; only then is a forced refresh (limited per day) worth spending.
        """
        with self._lock:
            token = self._fetch_and_cache(force_refresh=False)
            if token == rejected_token:
                logger.warning("stable_token returned the rejected token; forcing a refresh")
                token = self._fetch_and_cache(force_refresh=True)
            return token

    def _cached(self):
        value = self._cache.get(self.cache_key)
        if isinstance(value, bytes):  # redis.Redis without decode_responses
            value = value.decode()
        return value or None

    def _fetch_and_cache(self, force_refresh):
        result = self._post_stable_token(force_refresh)
        expires_in = int(result.get("expires_in", 7200))
        cache_seconds = max(expires_in - _RENEWAL_MARGIN_SECONDS, _MIN_CACHE_SECONDS)
        self._cache.set(self.cache_key, result["access_token"], ex=cache_seconds)
        return result["access_token"]

    def _post_stable_token(self, force_refresh):
        logger.info("Fetching WeChat access token (force_refresh=%s)", force_refresh)
        payload = {
            "grant_type": "client_credential",
            "appid": self._appid,
            "secret": self._secret,
            "force_refresh": force_refresh,
        }
        try:
            response = self._http.post(self._url, json=payload, timeout=self._timeout)
            response.raise_for_status()
            result = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatUnavailable(None, f"stable_token failed: {type(exc).__name__}") from None
        if result.get("errcode", 0) != 0:
            raise error_for(result["errcode"], result.get("errmsg"))
        return result
