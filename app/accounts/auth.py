"""Authentication of API requests and the role checks every view uses.

`current_user()` reads `Authorization: Bearer <token>` once per request. Scoping
helpers keep staff to their street and handlers to their department.
"""
from functools import wraps

from flask import request

from app.accounts.tokens import find_token
from app.core.clock import utcnow
from app.core.errors import ApiError

TOKEN_KEY = "microgrid.api_token"


def bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate(now=None):
    """The token row behind this request, or raise 401."""
    plaintext = bearer_token()
    if plaintext is None:
        raise ApiError.unauthorized()
    token = find_token(plaintext)
    if token is None or token.revoked_at is not None:
        raise ApiError.unauthorized("登录已失效，请重新登录 (invalid token)", "token_invalid")
    if token.expires_at <= (now or utcnow()):
        raise ApiError.unauthorized("登录已过期，请重新登录 (token expired)", "token_expired")
    if token.user.disabled:
        raise ApiError.unauthorized("账号已停用 (account disabled)", "account_disabled")
    return token


def current_token():
    # Cached on the request, not on g: an app context may outlive one request.
    if TOKEN_KEY not in request.environ:
        request.environ[TOKEN_KEY] = authenticate()
    return request.environ[TOKEN_KEY]


def current_user():
    return current_token().user


def require_user(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        current_user()
        return view(*args, **kwargs)

    return wrapper


def require_roles(*roles):
    """The caller must hold one of `roles` (staff roles or cell roles)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not set(current_user().roles) & set(roles):
                raise ApiError.forbidden()
            return view(*args, **kwargs)

        return wrapper

    return decorator


def require_staff(view):
    return require_roles("staff", "dept", "admin")(view)


def can_manage_street(user, street_code):
    """Street staff manage their own street; district admins every street."""
    return user.staff_role == "admin" or (user.staff_role == "staff" and user.street_code == street_code)


def ensure_manages_street(user, street_code, hide=False):
    """403, or 404 where even the existence of the thing must not leak."""
    if not can_manage_street(user, street_code):
        raise ApiError.not_found() if hide else ApiError.forbidden("只能管理本街镇的事务 (not your street)")
