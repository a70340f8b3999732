"""The WeChat API as the app sees it: a few methods, WeChatError subclasses on failure.

Built on wechatpy's client with two changes: every URL starts at `api_base` (so
tests and development can point it at the fake server), and the access token
comes from `cgi-bin/stable_token` through a shared cache. wechatpy's own retry
on token errors is switched off because it recurses without limit; we refresh
once and retry once.
"""

import logging

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from wechatpy import WeChatClient as _WechatpyBaseClient
from wechatpy.exceptions import WeChatClientException

from wechat.errors import AccessTokenInvalid, OutcomeUnknown, WeChatError, WeChatUnavailable, error_for
from wechat.redaction import install_log_redaction
from wechat.subscribe_data import fit_template_data
from wechat.tokens import MemoryCache, StableTokenSource

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com/"


class _WechatpyClient(_WechatpyBaseClient):
    """wechatpy's client rooted at `api_base`, taking its token from a StableTokenSource."""

    def __init__(self, appid, secret, api_base, tokens, timeout):
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self._tokens = tokens
        self.API_BASE_URL = f"{api_base}cgi-bin/"
        self.wxa.API_BASE_URL = api_base

    @property
    def access_token(self):
        return self._tokens.get()

    def fetch_access_token(self):
        # wechatpy's version calls cgi-bin/token on the real host, whatever the base URL.
        return {"access_token": self._tokens.refresh(rejected_token=None)}


class WeChatClient:
    def __init__(self, appid, secret, api_base=DEFAULT_API_BASE, cache=None, timeout=5):
        install_log_redaction()
        self.appid = appid
        self._secret = secret
        self._api_base = api_base if api_base.endswith("/") else api_base + "/"
        self._timeout = timeout
        self._http = requests.Session()
        self._tokens = StableTokenSource(
            appid, secret, self._api_base, cache if cache is not None else MemoryCache(), self._http, timeout
        )
        self._api = _WechatpyClient(appid, secret, self._api_base, self._tokens, timeout)

    def __repr__(self):
        return f"WeChatClient(appid={self.appid!r}, api_base={self._api_base!r})"

    # --- login -------------------------------------------------------------

    def code_to_session(self, code):
        """Exchange a wx.login() code: {openid, session_key, unionid or None}.

        Called directly rather than through wechatpy, whose version first fetches
        an access token that this endpoint does not need.
        """
        params = {"appid": self.appid, "secret": self._secret, "js_code": code, "grant_type": "authorization_code"}
        try:
            response = self._http.get(f"{self._api_base}sns/jscode2session", params=params, timeout=self._timeout)
            response.raise_for_status()
            result = response.json()
        except (requests.RequestException, ValueError) as exc:
            # No chaining: requests' exception text carries the URL, secret included.
            raise self._unavailable("jscode2session", exc) from None
        if result.get("errcode", 0) != 0:
            raise self._failed("jscode2session", error_for(result["errcode"], result.get("errmsg")))
        return {"openid": result["openid"], "session_key": result["session_key"], "unionid": result.get("unionid")}

    def get_phone_number(self, code):
        result = self._call("getuserphonenumber", lambda: self._api.wxa.get_phone_number(code))
        return result["phone_info"]["phoneNumber"]

    # --- messages ----------------------------------------------------------

    def send_subscribe_message(self, touser, template_id, data, page=None, state="formal", lang="zh_CN"):
        """Send one subscribe message; values are cut to the template field limits. Returns msgid."""
        payload = {
            "touser": touser,
            "template_id": template_id,
            "data": fit_template_data(data),
            "miniprogram_state": state,
            "lang": lang,
        }
        if page:
            payload["page"] = page
        result = self._call("subscribe/send", lambda: self._api.post("message/subscribe/send", data=payload))
        return result.get("msgid")

    # --- content security --------------------------------------------------

    def msg_sec_check(self, openid, content, scene=2):
        """'pass' | 'review' | 'risky'. errcode is 0 even for bad content, so only the suggest counts."""
        payload = {"version": 2, "openid": openid, "scene": scene, "content": content}
        result = self._call("msg_sec_check", lambda: self._post_wxa("wxa/msg_sec_check", payload))
        return result["result"]["suggest"]

    def media_check_async(self, openid, media_url, scene=2):
        """Start an image check; the verdict arrives later as a wxa_media_check push with this trace_id."""
        payload = {"version": 2, "openid": openid, "scene": scene, "media_type": 2, "media_url": media_url}
        result = self._call("media_check_async", lambda: self._post_wxa("wxa/media_check_async", payload))
        return result["trace_id"]

    def get_media(self, media_id):
        """Bytes of a temporary media file (expires three days after upload)."""
        result = self._call("media/get", lambda: self._api.media.download(media_id))
        if isinstance(result, dict):  # videos come back as {"video_url": ...}
            raise self._failed("media/get", WeChatError(None, "media is not a downloadable file"))
        return result.content

    # --- plumbing ----------------------------------------------------------

    def _post_wxa(self, path, payload):
        # wechatpy's wrappers for these endpoints speak version 1 of the API.
        return self._api.post(path, data=payload, api_base_url=self._api_base)

    def _call(self, name, api_call):
        """Run a token-bearing call; on a rejected token refresh it once and retry once."""
        token = self._tokens.get()
        try:
            return self._translated(name, api_call)
        except AccessTokenInvalid:
            logger.info("WeChat rejected the access token on %s; refreshing once", name)
            self._tokens.refresh(rejected_token=token)
            return self._translated(name, api_call)

    def _translated(self, name, api_call):
        try:
            return api_call()
        except WeChatClientException as exc:
            if exc.errcode is None:
                status = getattr(exc.response, "status_code", "?")
                raise self._failed(name, WeChatUnavailable(None, f"HTTP {status}")) from None
            raise self._failed(name, error_for(exc.errcode, exc.errmsg)) from None
        except requests.RequestException as exc:
            raise self._unavailable(name, exc) from None

    def _unavailable(self, name, exc):
        kind = OutcomeUnknown if may_have_arrived(exc) else WeChatUnavailable
        return self._failed(name, kind(None, f"{type(exc).__name__} talking to WeChat"))

    @staticmethod
    def _failed(name, error):
        logger.warning("WeChat %s failed: errcode=%s errmsg=%s", name, error.errcode, error.errmsg)
        return error


def may_have_arrived(exc):
    """Whether a failed HTTP call may still have reached WeChat and been acted on.

    Only a refused or timed-out connect proves the request never left; a read timeout
    or a connection dropped after sending leaves WeChat's side unknown.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0] if exc.args else None, "reason", None)
        return not isinstance(reason, NewConnectionError | ConnectTimeoutError)
    return isinstance(exc, requests.Timeout | requests.exceptions.ChunkedEncodingError)
