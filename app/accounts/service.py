"""Signing in: WeChat users by their wx.login code, staff by password."""
import logging

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import STAFF_ROLES, ApiToken, User, WebSession
from app.accounts.throttle import record_failure, record_success, seconds_to_wait
from app.accounts.tokens import issue_token
from app.catalog.models import Department
from app.core.clock import utcnow
from app.core.errors import ApiError
from app.core.extensions import db, wechat
from app.grid.models import GridUnit
from wechat import HighRiskUser, InvalidCode, RateLimited, WeChatError

log = logging.getLogger(__name__)

WECHAT_RATE_LIMIT_RETRY_SECONDS = 60


def sign_in_wechat(*, code, now, ttl_seconds):
    """Exchange a wx.login code for our own token; returns (token, user)."""
    session = exchange_code(code)
    user = db.session.scalar(select(User).where(User.openid == session["openid"]))
    if user is None:
        user = User(openid=session["openid"], created_at=now)
        db.session.add(user)
    if session.get("unionid"):
        user.unionid = session["unionid"]
    if user.disabled:
        raise ApiError.forbidden("账号已停用 (account disabled)", "account_disabled")
    token, _ = issue_token(user=user, now=now, ttl_seconds=ttl_seconds)
    return token, user


def exchange_code(code):
    """code2Session, with WeChat's failures turned into answers a client can act on."""
    try:
        return wechat.get().code_to_session(code)
    except InvalidCode:
        raise ApiError.bad_request("登录凭证无效或已使用，请重新登录 (invalid or used code)",
                                   "wechat_code_invalid") from None
    except RateLimited:
        raise ApiError.rate_limited(WECHAT_RATE_LIMIT_RETRY_SECONDS) from None
    except HighRiskUser:
        raise ApiError.forbidden("微信判定该账号存在风险，暂不能登录 (high-risk user)",
                                 "wechat_high_risk_user") from None
    except WeChatError as exc:
        log.warning("WeChat login failed: %s", exc.__class__.__name__)
        raise ApiError.unavailable("微信服务暂不可用，请稍后再试 (WeChat unavailable)",
                                   "wechat_unavailable") from None


def bind_phone(*, user, code):
    try:
        user.phone = wechat.get().get_phone_number(code)
    except InvalidCode:
        raise ApiError.bad_request("手机号凭证无效 (invalid phone code)", "wechat_code_invalid") from None
    except WeChatError:
        raise ApiError.unavailable("微信服务暂不可用 (WeChat unavailable)", "wechat_unavailable") from None
    return user


def sign_in_staff(*, username, password, now, ttl_seconds, throttle):
    """Password sign-in, throttled per account; returns (token, user, FailedSignIns or None)."""
    user, missed = verify_staff_password(username=username, password=password, now=now, throttle=throttle)
    token, _ = issue_token(user=user, now=now, ttl_seconds=ttl_seconds)
    return token, user, missed


def verify_staff_password(*, username, password, now, throttle):
    """(user, FailedSignIns or None), or ApiError 401 (wrong) / 429 (wait first).

    The row is locked: attempts on one account run one after another, so parallel
    guesses cannot all slip through the same open moment. The caller commits even on
    an error, for the failure to count."""
    user = db.session.scalar(select(User).where(User.username == username, User.staff_role.is_not(None))
                             .with_for_update())
    wait = seconds_to_wait(user, now) if user is not None else 0
    if wait:
        raise ApiError.rate_limited(wait, f"登录失败次数过多，请 {wait} 秒后再试 (too many failed sign-ins)")
    if user is None or user.disabled or not check_password_hash(user.password_hash or "", password):
        if user is not None:
            count_failure(user, now=now, throttle=throttle)
        raise ApiError.unauthorized("用户名或密码错误 (wrong username or password)", "invalid_credentials")
    return user, record_success(user)


def count_failure(user, *, now, throttle):
    record_failure(user, now=now, throttle=throttle)
    if user.next_sign_in_at is not None:
        log.warning("staff account %s: %d wrong passwords in a row, next attempt delayed",
                    user.id, user.failed_logins)


def revoke_all_sign_ins(user, *, now):
    """End every web session and API token of `user`: a new password or a disabled account
    must not leave an old cookie or token working."""
    for model in (WebSession, ApiToken):
        db.session.execute(update(model).where(model.user_id == user.id, model.revoked_at.is_(None))
                           .values(revoked_at=now))


def set_disabled(*, username, disabled, now):
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValueError(f"unknown user {username}")
    user.disabled = disabled
    if disabled:
        revoke_all_sign_ins(user, now=now)
    return user


def create_staff(*, username, password, role, street_code=None, department_code=None, now=None):
    """A staff account, or a new password for an existing one (which ends its sign-ins);
    ValueError with a readable reason when the combination is wrong."""
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    if role == "staff" and not street_code:
        raise ValueError("street staff need --street")
    if role == "dept" and not department_code:
        raise ValueError("department handlers need --department")
    if street_code and not db.session.scalar(
            select(GridUnit).where(GridUnit.code == street_code, GridUnit.level == "street")):
        raise ValueError(f"unknown street {street_code} (run `flask seed` first?)")
    if department_code and db.session.get(Department, department_code) is None:
        raise ValueError(f"unknown department {department_code}")
    if len(password) < 8:
        raise ValueError("the password needs at least 8 characters")
    user = db.session.scalar(select(User).where(User.username == username)) or User(username=username)
    if user.id is not None:
        revoke_all_sign_ins(user, now=now or utcnow())
    user.password_hash = generate_password_hash(password)
    user.staff_role = role
    user.street_code = street_code
    user.department_code = department_code
    db.session.add(user)
    return user
