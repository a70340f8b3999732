"""Per-session CSRF tokens for every state-changing request to the web blueprint.

The token lives in the signed session cookie; forms send it as a hidden field
(`csrf_field()` in templates) and htmx sends it as a header (base.html sets
hx-headers on <body>). A request that does not echo it back gets a 400 page.
"""
import hmac
import secrets

from flask import abort, request, session
from markupsafe import Markup, escape

SESSION_KEY = "_csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
REFUSED = "页面已过期或来源不明，请刷新页面后重试。"


def csrf_token():
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_field():
    return Markup(f'<input type="hidden" name="{FORM_FIELD}" value="{escape(csrf_token())}">')


def check_csrf():
    if request.method in SAFE_METHODS:
        return
    expected = session.get(SESSION_KEY, "")
    sent = request.form.get(FORM_FIELD) or request.headers.get(HEADER, "")
    # compare_digest refuses non-ASCII str, which a forged field may well be.
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description=REFUSED)


def init_csrf(bp):
    bp.before_request(check_csrf)
    bp.add_app_template_global(csrf_token)
    bp.add_app_template_global(csrf_field)
