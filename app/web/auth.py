"""Who is signed in to the web inbox: a server-side session (accounts/web_sessions.py).

Flask's signed cookie carries only the session's random id (beside the CSRF token and
flash messages), never who the user is: signing out, a new password or a disabled
account ends the session on the server, and a copied cookie stops working with it.
Checking the password is the accounts domain's (verify_staff_password, with its
per-account delays); this module only asks it.
"""
from datetime import timedelta
from functools import wraps

from flask import current_app, redirect, request, session, url_for

from app.accounts import web_sessions
from app.accounts.service import verify_staff_password
from app.accounts.throttle import Throttle
from app.core.clock import utcnow
from app.core.errors import ApiError
from app.core.extensions import db

SESSION_ID_KEY = "web_session"
LOADED_KEY = "microgrid.web_session"  # the request's session row, looked up once


def authenticate(username, password):
    """(user, FailedSignIns or None); ApiError 401 or 429 otherwise. Failures are committed."""
    if not username or not password:
        raise ApiError.unauthorized("用户名或密码错误 (wrong username or password)", "invalid_credentials")
    try:
        return verify_staff_password(username=username, password=password, now=utcnow(),
                                     throttle=Throttle.from_config(current_app.config))
    finally:
        db.session.commit()  # a failed attempt counts towards the next delay


def sign_in(user):
    # A fresh cookie on sign-in: no fixation, and a new CSRF token.
    session.clear()
    session[SESSION_ID_KEY] = web_sessions.start_session(user=user, now=utcnow())
    request.environ.pop(LOADED_KEY, None)


def sign_out():
    row = current_web_session()
    if row is not None:
        web_sessions.end_session(row, now=utcnow())
        db.session.commit()
    session.clear()
    request.environ.pop(LOADED_KEY, None)


def current_web_session():
    # Cached on the request, not on g: an app context may outlive one request.
    if LOADED_KEY not in request.environ:
        request.environ[LOADED_KEY] = load_web_session()
    return request.environ[LOADED_KEY]


def load_web_session():
    session_id = session.get(SESSION_ID_KEY)
    if not session_id:
        return None
    config = current_app.config
    row = web_sessions.find_live_session(session_id, now=utcnow(),
                                         idle=timedelta(minutes=config["WEB_SESSION_IDLE_MINUTES"]),
                                         lifetime=timedelta(hours=config["WEB_SESSION_MAX_HOURS"]))
    if row is None:
        session.pop(SESSION_ID_KEY)  # dead: the cookie need not carry it any longer
    elif db.session.dirty:
        db.session.commit()  # last_seen_at moved on
    return row


def signed_in_user():
    row = current_web_session()
    return row.user if row is not None else None


def signed_in_user_id():
    user = signed_in_user()
    return user.id if user is not None else None


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if signed_in_user() is None:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def safe_next(target):
    """Only redirect back inside the inbox: never to another site."""
    if target and target.startswith("/inbox") and not target.startswith("//"):
        return target
    return url_for("web.index")
