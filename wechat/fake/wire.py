"""WeChat's wire formats as the fake server speaks them: error bodies, the checks
WeChat applies to subscribe messages, and pushes (plain and encrypted)."""

import json
import re
import secrets
import time

import xmltodict
from wechatpy.crypto import WeChatCrypto
from werkzeug.wrappers import Response

DEFAULT_ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40007: "invalid media_id",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "invalid user",
    41001: "access_token missing",
    41008: "missing code",
    41030: "invalid page",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
}
SUBSCRIBE_VALUE_LIMITS = {"thing": 20, "phrase": 5}
OPENID_PATTERN = re.compile(r"^o[\w-]{27}$")


def subscribe_problem(body):
    """(errcode, errmsg) for a subscribe/send body WeChat would refuse, else None."""
    if not OPENID_PATTERN.match(str(body.get("touser", ""))):
        return 40003, None
    if not body.get("template_id"):
        return 40037, None
    if body.get("miniprogram_state", "formal") not in ("developer", "trial", "formal"):
        return 47003, "argument invalid! miniprogram_state"
    if body.get("lang", "zh_CN") not in ("zh_CN", "en_US", "zh_HK", "zh_TW"):
        return 47003, "argument invalid! lang"
    for key, value in (body.get("data") or {}).items():
        limit = SUBSCRIBE_VALUE_LIMITS.get(re.sub(r"\d+$", "", key))
        if not isinstance(value, dict) or "value" not in value:
            return 47003, f"argument invalid! data.{key}.value is missing"
        if limit is not None and len(str(value["value"])) > limit:
            return 47003, f"argument invalid! data.{key}.value exceeds {limit} characters"
    return None


def ok(**fields):
    return json_response({"errcode": 0, "errmsg": "ok", **fields})


def error(errcode, errmsg=None, mimetype="application/json"):
    message = f"{errmsg or DEFAULT_ERRMSG.get(errcode, 'error')} rid: {secrets.token_hex(4)}"
    return json_response({"errcode": errcode, "errmsg": message}, mimetype=mimetype)


def json_response(payload, status=200, mimetype="application/json"):
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype=mimetype)


def media_check_event(appid, trace_id, openid, suggest="pass", label=100):
    """The JSON body WeChat pushes when an image check finishes (version 2)."""
    return {
        "ToUserName": "gh_fake000000",
        "FromUserName": openid,
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": "wxa_media_check",
        "appid": appid,
        "trace_id": trace_id,
        "version": 2,
        "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}],
        "errcode": 0,
        "errmsg": "ok",
        "result": {"suggest": suggest, "label": label},
    }


def encrypt_push(plaintext, crypto, as_json=False, timestamp=None, nonce=None):
    """Encrypt a push body as WeChat's safe mode does: (body, query) where query holds
    encrypt_type, msg_signature, timestamp, nonce. `crypto` is a wechat.push.PushCrypto."""
    timestamp = str(timestamp or int(time.time()))
    nonce = nonce or secrets.token_hex(8)
    envelope_xml = WeChatCrypto(crypto.token, crypto.encoding_aes_key, crypto.appid).encrypt_message(
        plaintext, nonce, timestamp
    )
    envelope = xmltodict.parse(envelope_xml)["xml"]
    query = {"encrypt_type": "aes", "msg_signature": envelope["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
    if as_json:
        return json.dumps({"ToUserName": "gh_fake000000", "Encrypt": envelope["Encrypt"]}), query
    body = (
        "<xml><ToUserName><![CDATA[gh_fake000000]]></ToUserName>"
        f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    )
    return body, query
