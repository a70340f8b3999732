from flask import Blueprint, current_app

from app.accounts import bindings, service
from app.accounts.auth import current_token, current_user, require_roles, require_user
from app.accounts.schemas import (
    BindingRequestSchema,
    BindingSchema,
    InvitationRequestSchema,
    InvitationSchema,
    PhoneSchema,
    StaffSignInSchema,
    UserSchema,
    WeChatSignInSchema,
    signed_in,
)
from app.accounts.throttle import Throttle
from app.accounts.tokens import revoke_token
from app.core.clock import utcnow
from app.core.extensions import db, limiter
from app.core.requests import load_json

bp = Blueprint("accounts", __name__, url_prefix="/api/v1")


def auth_rate_limit():
    return current_app.config["AUTH_RATE_LIMIT"]


def token_ttl():
    return current_app.config["TOKEN_TTL_SECONDS"]


@bp.post("/auth/wechat")
@limiter.limit(auth_rate_limit)
def sign_in_wechat():
    body = load_json(WeChatSignInSchema())
    token, user = service.sign_in_wechat(code=body["code"], now=utcnow(), ttl_seconds=token_ttl())
    db.session.commit()
    return signed_in(token, user, token_ttl())


@bp.post("/auth/staff")
@limiter.limit(auth_rate_limit)
def sign_in_staff():
    body = load_json(StaffSignInSchema())
    try:
        token, user, missed = service.sign_in_staff(now=utcnow(), ttl_seconds=token_ttl(),
                                                    throttle=Throttle.from_config(current_app.config), **body)
    finally:
        db.session.commit()  # a failed attempt counts towards the next delay
    return signed_in(token, user, token_ttl(), missed)


@bp.post("/auth/logout")
@require_user
def logout():
    revoke_token(token=current_token(), now=utcnow())
    db.session.commit()
    return "", 204


@bp.get("/me")
@require_user
def me():
    return UserSchema().dump(current_user())


@bp.post("/me/bindings")
@require_user
@limiter.limit(auth_rate_limit)
def bind():
    body = load_json(BindingRequestSchema())
    user, now = current_user(), utcnow()
    if "invite_code" in body:
        binding = bindings.redeem_invitation(user=user, invite_code=body["invite_code"], now=now)
    elif "cell_code" in body:
        binding = bindings.bind_home_cell(user=user, cell_code=body["cell_code"], now=now)
    else:
        binding = bindings.bind_home_cell_at(user=user, lat=body["lat"], lng=body["lng"],
                                             coord=body["coord"], now=now)
    db.session.commit()
    return {"binding": BindingSchema().dump(binding), "user": UserSchema().dump(user)}, 201


@bp.post("/me/phone")
@require_user
def bind_phone():
    body = load_json(PhoneSchema())
    user = service.bind_phone(user=current_user(), code=body["code"])
    db.session.commit()
    return UserSchema().dump(user)


@bp.post("/inbox/invitations")
@require_roles("staff", "admin")
def create_invitation():
    body = load_json(InvitationRequestSchema())
    code, invitation = bindings.create_invitation(staff=current_user(), now=utcnow(), **body)
    db.session.commit()
    return {**InvitationSchema().dump(invitation), "code": code}, 201
