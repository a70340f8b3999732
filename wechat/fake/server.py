"""A fake WeChat API on a real local HTTP port, for development and tests.

It speaks WeChat's request and response shapes for the endpoints we use, so the
real client code (wechatpy + requests) runs unchanged against it. Behaviour that
tests rely on:
- a login code always maps to the same openid, is usable once (40163 on reuse),
  and codes starting with "bad" are invalid (40029); the development server
  (start_dev_server) takes a code as often as it is sent, so a hand-typed
  `{"code": "any-code"}` signs the same resident in every time;
- stable_token returns the same token until force_refresh; cgi-bin/token rotates
  it on every call (the trap that makes stable_token necessary);
- endpoints needing a token answer 41001 / 40001 / 42001 like WeChat;
- `inject()` makes the next call(s) to an endpoint fail, stall or drop the connection.

With `push_url` set, each media_check_async verdict is POSTed there shortly after,
the way WeChat's message push would (risky when the URL contains a bad word).
"""

import base64
import hashlib
import itertools
import json
import logging
import secrets
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

import requests
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from wechat.fake.wire import encrypt_push, error, json_response, media_check_event, ok, subscribe_problem
from wechat.push import sign_push

__all__ = ["FakeWeChatServer", "encrypt_push", "start_dev_server"]

logger = logging.getLogger(__name__)

_MALFORMED = object()


class _QuietRequestHandler(WSGIRequestHandler):
    # werkzeug logs each request line, and WeChat URLs carry the secret and tokens.
    def log_request(self, *args, **kwargs):
        pass


@dataclass
class _Injection:
    errcode: int = None
    errmsg: str = None
    http_status: int = None
    delay: float = None
    disconnect: bool = False


class FakeWeChatServer:
    def __init__(self, appid, secret, bad_words=("违禁",), review_words=(), with_unionid=False,
                 push_url=None, push_token=None, reusable_codes=False):
        self.appid = appid
        self.secret = secret
        self.bad_words = tuple(bad_words)
        self.review_words = tuple(review_words)
        self.with_unionid = with_unionid
        self.push_url = push_url
        self.push_token = push_token
        self.reusable_codes = reusable_codes  # login and phone codes: WeChat's are one-time
        self.requests = []  # {method, path, params, json} for every call, in order
        self.sent_messages = []  # subscribe messages WeChat accepted
        self.media_checks = []  # {trace_id, openid, media_url, scene}
        self._media = {}
        self._injections = defaultdict(deque)
        self._used_login_codes = set()
        self._used_phone_codes = set()
        self._access_token = None
        self._retired_tokens = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._http_server = None
        self._thread = None
        self._routes = {
            "sns/jscode2session": ("GET", self._jscode2session, False),
            "cgi-bin/token": ("GET", self._token, False),
            "cgi-bin/stable_token": ("POST", self._stable_token, False),
            "wxa/business/getuserphonenumber": ("POST", self._phone_number, True),
            "cgi-bin/message/subscribe/send": ("POST", self._subscribe_send, True),
            "wxa/msg_sec_check": ("POST", self._msg_sec_check, True),
            "wxa/media_check_async": ("POST", self._media_check_async, True),
            "cgi-bin/media/get": ("GET", self._media_get, True),
        }

    # --- lifecycle ------------------------------------------------------------

    def start(self):
        self._http_server = make_server(
            "127.0.0.1", 0, self._wsgi_app, threaded=True, request_handler=_QuietRequestHandler
        )
        # A short poll keeps stop() quick; tests start and stop many servers.
        self._thread = threading.Thread(
            target=self._http_server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-wechat", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._http_server is not None:
            self._http_server.shutdown()
            self._http_server.server_close()
            self._http_server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._http_server.server_port}/"

    # --- test controls ----------------------------------------------------------

    def inject(self, path, errcode=None, times=1, *, errmsg=None, http_status=None, delay=None, disconnect=False):
        """Make the next `times` calls to `path` fail: with a WeChat errcode, an HTTP status
        (e.g. 502), a dropped connection, or after `delay` seconds (alone: slow but successful)."""
        injection = _Injection(errcode, errmsg, http_status, delay, disconnect)
        with self._lock:
            self._injections[path.strip("/")].extend([injection] * times)

    def clear_injections(self):
        """Forget injected failures not yet consumed (a long-lived server between tests)."""
        with self._lock:
            self._injections.clear()

    def add_media(self, media_id, content, content_type="image/jpeg"):
        self._media[media_id] = (content, content_type)

    def expire_access_token(self):
        """The current token now answers 42001, as after its two hours are up."""
        with self._lock:
            self._retire_current_token()

    @property
    def access_token(self):
        return self._access_token

    def openid_for(self, code):
        return "o" + self._digest("openid", code)[:27]

    def phone_number_for(self, code):
        return "13" + str(int(hashlib.sha256(f"phone:{code}".encode()).hexdigest(), 16))[:9]

    def calls_to(self, path):
        return [entry for entry in self.requests if entry["path"] == path.strip("/")]

    def media_check_event(self, trace_id, suggest="pass", label=100):
        """The JSON body WeChat would push for this check's verdict."""
        check = next((c for c in self.media_checks if c["trace_id"] == trace_id), {})
        return media_check_event(self.appid, trace_id, check.get("openid", ""), suggest, label)

    # --- HTTP plumbing ------------------------------------------------------------

    def _wsgi_app(self, environ, start_response):
        request = Request(environ)
        path = request.path.strip("/")
        body = self._json_body(request)
        self.requests.append({"method": request.method, "path": path, "params": dict(request.args), "json": body})
        return self._respond(request, path, body, environ)(environ, start_response)

    def _respond(self, request, path, body, environ):
        route = self._routes.get(path)
        if route is None:
            return json_response({"errcode": 40066, "errmsg": "invalid url"}, status=404)
        method, handler, needs_token = route
        if request.method != method:
            return json_response({"errcode": 43002, "errmsg": f"require {method}"})
        injected = self._apply_injection(path, environ)
        if injected is not None:
            return injected
        if needs_token:
            token_error = self._check_token(request.args.get("access_token"))
            if token_error:
                return error(token_error)
        if body is _MALFORMED:
            return error(47001)
        return handler(request.args, body or {})

    @staticmethod
    def _json_body(request):
        # wechatpy posts JSON without a Content-Type header, so parse regardless.
        if request.method != "POST":
            return None
        try:
            return json.loads(request.get_data() or b"{}")
        except ValueError:
            return _MALFORMED

    def _apply_injection(self, path, environ):
        with self._lock:
            queue = self._injections.get(path)
            injection = queue.popleft() if queue else None
        if injection is None:
            return None
        if injection.delay:
            time.sleep(injection.delay)
        if injection.disconnect:
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            return Response(b"", status=500)  # never reaches the client
        if injection.http_status:
            return Response("Bad Gateway", status=injection.http_status, mimetype="text/html")
        if injection.errcode is not None:
            return error(injection.errcode, injection.errmsg)
        return None

    def _check_token(self, token):
        if not token:
            return 41001
        if token in self._retired_tokens:
            return 42001
        if token != self._access_token:
            return 40001
        return None

    def _check_credentials(self, appid, secret):
        if appid != self.appid:
            return 40013
        if secret != self.secret:
            return 40125
        return None

    # --- endpoints ------------------------------------------------------------------

    def _jscode2session(self, args, _body):
        problem = self._check_credentials(args.get("appid"), args.get("secret"))
        code = args.get("js_code", "")
        problem = problem or self._check_one_time_code(code, self._used_login_codes)
        if problem:
            return error(problem, mimetype="text/plain")
        session = {"openid": self.openid_for(code), "session_key": self._session_key_for(code)}
        if self.with_unionid:
            session["unionid"] = "o" + self._digest("unionid", code)[:27]
        # WeChat really does serve this JSON as text/plain.
        return json_response(session, mimetype="text/plain")

    def _token(self, args, _body):
        if args.get("grant_type") != "client_credential":
            return error(40002, "invalid grant_type")
        problem = self._check_credentials(args.get("appid"), args.get("secret"))
        if problem:
            return error(problem)
        with self._lock:
            self._retire_current_token()
            return json_response({"access_token": self._current_token(), "expires_in": 7200})

    def _stable_token(self, _args, body):
        if body.get("grant_type") != "client_credential":
            return error(40002, "invalid grant_type")
        problem = self._check_credentials(body.get("appid"), body.get("secret"))
        if problem:
            return error(problem)
        with self._lock:
            if body.get("force_refresh"):
                self._retire_current_token()
            return json_response({"access_token": self._current_token(), "expires_in": 7200})

    def _phone_number(self, _args, body):
        code = body.get("code", "")
        problem = self._check_one_time_code(code, self._used_phone_codes)
        if problem:
            return error(problem)
        number = self.phone_number_for(code)
        watermark = {"timestamp": int(time.time()), "appid": self.appid}
        info = {"phoneNumber": number, "purePhoneNumber": number, "countryCode": "86", "watermark": watermark}
        return ok(phone_info=info)

    def _subscribe_send(self, _args, body):
        problem = subscribe_problem(body)
        if problem:
            return error(*problem)
        self.sent_messages.append(body)
        return ok(msgid=next(self._ids))

    def _msg_sec_check(self, _args, body):
        if body.get("version") != 2 or not body.get("openid") or body.get("scene") not in (1, 2, 3, 4):
            return error(47003, "argument invalid! version, openid and scene (1-4) are required")
        suggest, label = self._verdict(body.get("content", ""))
        detail = [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}]
        return ok(result={"suggest": suggest, "label": label}, detail=detail, trace_id=self._new_trace_id())

    def _media_check_async(self, _args, body):
        required = ("media_url", "openid")
        if body.get("version") != 2 or body.get("media_type") not in (1, 2) or not all(body.get(k) for k in required):
            return error(47003, "argument invalid! version 2, media_type, media_url and openid are required")
        trace_id = self._new_trace_id()
        self.media_checks.append(
            {"trace_id": trace_id, "openid": body["openid"], "media_url": body["media_url"], "scene": body.get("scene")}
        )
        if self.push_url:
            self._push_verdict_later(trace_id, *self._verdict(body["media_url"]))
        return ok(trace_id=trace_id)

    def _media_get(self, args, _body):
        media = self._media.get(args.get("media_id"))
        if media is None:
            return error(40007)
        content, content_type = media
        headers = {"Content-Disposition": f'attachment; filename="{args["media_id"]}"'}
        return Response(content, content_type=content_type, headers=headers)

    # --- endpoint helpers -------------------------------------------------------------

    def _check_one_time_code(self, code, used_codes):
        if not code:
            return 41008
        if code.startswith("bad"):
            return 40029
        if self.reusable_codes:
            return None
        with self._lock:
            if code in used_codes:
                return 40163
            used_codes.add(code)
        return None

    def _verdict(self, text):
        if any(word in text for word in self.bad_words):
            return "risky", 20006
        if any(word in text for word in self.review_words):
            return "review", 21000
        return "pass", 100

    def _current_token(self):
        if self._access_token is None:
            self._access_token = secrets.token_urlsafe(48)
        return self._access_token

    def _retire_current_token(self):
        if self._access_token is not None:
            self._retired_tokens.add(self._access_token)
            self._access_token = None

    def _session_key_for(self, code):
        return base64.b64encode(hashlib.sha256(f"session:{self.appid}:{code}".encode()).digest()[:16]).decode()

    def _digest(self, purpose, code):
        raw = hashlib.sha256(f"{purpose}:{self.appid}:{code}".encode()).digest()
        return base64.urlsafe_b64encode(raw).decode()

    def _new_trace_id(self):
        return f"fake-trace-{next(self._ids)}-{secrets.token_hex(4)}"

    def _push_verdict_later(self, trace_id, suggest, label):
        event = self.media_check_event(trace_id, suggest, label)
        # Later, not inline: WeChat answers the check call first and pushes the verdict afterwards.
        timer = threading.Timer(0.2, self._deliver_push, args=(event,))
        timer.daemon = True
        timer.start()

    def _deliver_push(self, event):
        try:
            requests.post(self.push_url, params=sign_push(self.push_token or ""), json=event, timeout=5)
        except requests.RequestException as exc:
            logger.warning("Fake WeChat could not deliver a push: %s", type(exc).__name__)


# --- development mode: one fake per process ------------------------------------------

_dev_server = None
_dev_server_lock = threading.Lock()


def start_dev_server(appid, secret, push_url=None, push_token=None):
    """Start the process-wide fake (first call only) and return its base_url.

    Later calls return the running server's URL whatever their arguments.
    """
    global _dev_server
    with _dev_server_lock:
        if _dev_server is None:
            _dev_server = FakeWeChatServer(appid, secret, push_url=push_url, push_token=push_token,
                                           reusable_codes=True).start()
            logger.info("Fake WeChat API listening at %s (development only)", _dev_server.base_url)
        return _dev_server.base_url
