"""The mini-program message-push URL (消息推送): WeChat calls it, nobody else may.

GET is the console's URL check (echo `echostr`); POST carries events, of which we
act on `wxa_media_check`. WeChat retries a push 3 times when it gets no quick
answer; handling is idempotent (apply_media_verdict), so a repeat changes nothing
and needs no receipt table. A signed timestamp older than WECHAT_PUSH_MAX_AGE_SECONDS
is refused, so a captured push cannot be replayed later; inside the window a replay is
a repeat. With WECHAT_PUSH_AES_KEY set (safe mode) only encrypted pushes are read: the
plain signature rests on the token alone, the encrypted one on the AES key too.
"""
import logging

from flask import Blueprint, current_app, request

from app.core.clock import utcnow
from app.core.errors import ApiError
from app.core.extensions import db
from app.moderation.service import apply_media_verdict
from wechat import InvalidPush, PushCrypto, check_signature, parse_push, timestamp_is_fresh
from wechat.push import MEDIA_CHECK_EVENT

log = logging.getLogger(__name__)

bp = Blueprint("moderation", __name__, url_prefix="/api/v1/wechat")


@bp.get("/push")
def confirm_push_url():
    require_wechat_signature()
    return plain_text(request.args.get("echostr", ""))


@bp.post("/push")
def receive_push():
    require_wechat_signature()
    push = read_push()
    if push["event"] == MEDIA_CHECK_EVENT:
        photo = apply_media_verdict(trace_id=push["trace_id"], suggest=push["suggest"])
        db.session.commit()
        if photo is None:
            # Not ours, or no verdict: still "success", or WeChat keeps retrying.
            log.info("media check push for an unknown trace id or without a verdict ignored")
    return plain_text("success")


def require_wechat_signature():
    args = request.args
    signature, timestamp, nonce = args.get("signature"), args.get("timestamp"), args.get("nonce")
    token = current_app.config["WECHAT_PUSH_TOKEN"]
    if not (signature and timestamp and nonce and token) or not check_signature(token, signature, timestamp, nonce):
        raise ApiError.forbidden("签名无效 (invalid WeChat signature)", "invalid_signature")
    max_age = current_app.config["WECHAT_PUSH_MAX_AGE_SECONDS"]
    if not timestamp_is_fresh(timestamp, now=utcnow().timestamp(), max_age_seconds=max_age):
        raise ApiError.forbidden("推送时间戳已过期 (push timestamp outside the allowed window)", "stale_push")


def read_push():
    args, crypto = request.args, push_crypto()
    if crypto is not None and args.get("encrypt_type") != "aes":
        raise ApiError.forbidden("安全模式下只接受加密推送 (plain push refused in safe mode)",
                                 "encrypted_push_required")
    try:
        return parse_push(request.get_data(), request.content_type, encrypt_type=args.get("encrypt_type"),
                          msg_signature=args.get("msg_signature"), timestamp=args.get("timestamp"),
                          nonce=args.get("nonce"), crypto=crypto)
    except InvalidPush as exc:
        raise ApiError.bad_request(f"无法读取推送 ({exc})", "invalid_push") from None


def push_crypto():
    """The safe-mode settings, when WECHAT_PUSH_AES_KEY is configured."""
    config = current_app.config
    if not config.get("WECHAT_PUSH_AES_KEY"):
        return None
    return PushCrypto(config["WECHAT_PUSH_TOKEN"], config["WECHAT_PUSH_AES_KEY"], config["WECHAT_APPID"])


def plain_text(body):
    return body, 200, {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"}
