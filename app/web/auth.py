"""Who is signed in to the web inbox, kept in the signed session cookie.

Checking a password is not this package's job: whoever owns staff accounts puts a
callable `authenticate(username, password) -> user or None` in
app.extensions["staff_authenticator"]. Until one is installed, nobody can sign in.
"""
from functools import wraps

from flask import current_app, redirect, request, session, url_for

USER_ID_KEY = "staff_user_id"
USERNAME_KEY = "staff_username"


def authenticate(username, password):
    authenticator = current_app.extensions.get("staff_authenticator")
    if authenticator is None or not username or not password:
        return None
    return authenticator(username, password)


def sign_in(user, username):
    # A fresh session on sign-in: no fixation, and a new CSRF token.
    session.clear()
    session[USER_ID_KEY] = getattr(user, "id", user)
    session[USERNAME_KEY] = getattr(user, "username", None) or username


def sign_out():
    session.clear()


def signed_in_user_id():
    return session.get(USER_ID_KEY)


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if signed_in_user_id() is None:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def safe_next(target):
    """Only redirect back inside the inbox: never to another site."""
    if target and target.startswith("/inbox") and not target.startswith("//"):
        return target
    return url_for("web.index")
