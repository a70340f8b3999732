"""Reading what WeChat pushes to us: mini-program message push (JSON) and
official-account messages (XML), either possibly AES-encrypted.

Every push becomes a plain dict so the app never touches wechatpy objects:
    type, event, msg_id, source, target, create_time, dedupe_key
plus per type: image -> pic_url, media_id; location -> lat, lng, scale, label;
text -> content; wxa_media_check -> trace_id, suggest, label, errcode, errmsg, appid, detail.

WeChat retries a push it got no answer to within 5 s, so `dedupe_key` (MsgId,
else trace_id, else sender + CreateTime) lets the app drop repeats.

WeChat's XML never declares a DOCTYPE, so any XML that does (entity expansion, external
entities) is refused before xmltodict or wechatpy reads it: defusedxml stops at the
declaration itself.
"""

import json
import secrets
import struct
import time
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

import xmltodict
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError as DefusedParseError
from defusedxml.ElementTree import fromstring as defused_fromstring
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner
from wechatpy.utils import check_signature as _wechatpy_check_signature

MEDIA_CHECK_EVENT = "wxa_media_check"


class InvalidPush(ValueError):
    """Bad signature, wrong app id or unreadable body: answer 4xx, do not process."""


@dataclass(frozen=True)
class PushCrypto:
    """The message-push settings from the WeChat admin console (safe mode)."""

    token: str
    encoding_aes_key: str
    appid: str


def check_signature(token, signature, timestamp, nonce):
    try:
        _wechatpy_check_signature(token, signature, timestamp, nonce)
    except InvalidSignatureException:
        return False
    return True


def timestamp_is_fresh(timestamp, *, now, max_age_seconds):
    """The push's `timestamp` (Unix seconds, part of what is signed) is within max_age of now,
    either way: a captured push replayed later, or a forged far-future one, is refused."""
    try:
        return abs(now - int(timestamp)) <= max_age_seconds
    except (TypeError, ValueError):
        return False


def sign_push(token, timestamp=None, nonce=None):
    """The query WeChat adds to a plain-mode push: {signature, timestamp, nonce}.
    Used by the fake server and tests to push the way WeChat does."""
    timestamp = str(timestamp or int(time.time()))
    nonce = nonce or secrets.token_hex(8)
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce}


def parse_push(body, content_type=None, *, encrypt_type=None, msg_signature=None, timestamp=None, nonce=None,
               crypto=None):
    """A pushed message as a dict. With `encrypt_type="aes"`, `crypto` (a PushCrypto) and the
    query's `msg_signature`, `timestamp`, `nonce` are needed to verify and decrypt it."""
    text = _as_text(body)
    if encrypt_type == "aes":
        text = _decrypt(text, content_type, crypto, msg_signature, timestamp, nonce)
    if _is_json(text, content_type):
        return _describe_json_push(_load_json(text))
    return _describe_xml_message(text)


# --- decoding -----------------------------------------------------------------


def _as_text(body):
    try:
        return body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise InvalidPush("push body is not UTF-8") from None


def _is_json(text, content_type):
    return "json" in (content_type or "") or text.lstrip().startswith("{")


def _load_json(text):
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # json.loads recurses once per nesting level
        raise InvalidPush("push body is not valid JSON") from None


def _refuse_declarations(text):
    """A DOCTYPE or an entity declaration is refused, unexpanded, before any XML parser we use sees it."""
    try:
        defused_fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise InvalidPush("push XML declares a DOCTYPE or entities") from None
    except DefusedParseError:
        raise InvalidPush("push body is not a WeChat XML message") from None
    return text


def _decrypt(text, content_type, crypto, msg_signature, timestamp, nonce):
    if crypto is None:
        raise InvalidPush("encrypted push but no crypto settings given")
    envelope = _load_json(text) if _is_json(text, content_type) else _refuse_declarations(text)
    try:
        return WeChatCrypto(crypto.token, crypto.encoding_aes_key, crypto.appid).decrypt_message(
            envelope, msg_signature, timestamp, nonce
        )
    except InvalidSignatureException:
        raise InvalidPush("bad msg_signature") from None
    except InvalidAppIdException:
        raise InvalidPush("push encrypted for another app id") from None
    except (KeyError, ValueError, TypeError, struct.error, ExpatError):
        raise InvalidPush("unreadable encrypted push") from None


# --- describing ---------------------------------------------------------------


def _describe_json_push(raw):
    if raw.get("Event") == MEDIA_CHECK_EVENT:
        return _describe_media_check(raw)
    described = _common_fields(
        type=str(raw.get("MsgType", "unknown")).lower(),
        event=raw.get("Event"),
        msg_id=raw.get("MsgId"),
        source=raw.get("FromUserName"),
        target=raw.get("ToUserName"),
        create_time=raw.get("CreateTime"),
    )
    described.update(_type_specific_fields(described["type"], raw.get))
    return described


def _describe_xml_message(text):
    _refuse_declarations(text)
    try:
        raw = xmltodict.parse(text)["xml"]
        message = parse_message(text)
    except (ExpatError, KeyError, TypeError, AttributeError):
        raise InvalidPush("push body is not a WeChat XML message") from None
    if raw.get("Event") == MEDIA_CHECK_EVENT:
        # wechatpy's WxaMediaCheckEvent knows only version 1 (isrisky); v2 carries result.suggest.
        return _describe_media_check(raw)
    described = _common_fields(
        type=message.type,
        event=getattr(message, "event", None),
        msg_id=message.id or None,
        source=message.source,
        target=message.target,
        create_time=message.time,
    )
    described.update(_type_specific_fields(message.type, raw.get))
    return described


def _common_fields(type, event, msg_id, source, target, create_time):
    create_time = int(create_time) if create_time is not None else None
    msg_id = int(msg_id) if msg_id else None
    return {
        "type": type,
        "event": event or None,
        "msg_id": msg_id,
        "source": source,
        "target": target,
        "create_time": create_time,
        "dedupe_key": str(msg_id) if msg_id else f"{source}:{create_time}",
    }


def _type_specific_fields(message_type, field):
    """`field` reads a raw WeChat field by its wire name (same names in XML and JSON)."""
    if message_type == "image":
        return {"pic_url": field("PicUrl"), "media_id": field("MediaId")}
    if message_type == "location":
        return {
            "lat": _float_or_none(field("Location_X")),
            "lng": _float_or_none(field("Location_Y")),
            "scale": _float_or_none(field("Scale")),
            "label": field("Label"),
        }
    if message_type == "text":
        return {"content": field("Content")}
    return {}


def _describe_media_check(raw):
    result = raw.get("result") or {}
    described = _common_fields(
        type="event",
        event=MEDIA_CHECK_EVENT,
        msg_id=None,
        source=raw.get("FromUserName"),
        target=raw.get("ToUserName"),
        create_time=raw.get("CreateTime"),
    )
    described.update(
        trace_id=raw.get("trace_id"),
        suggest=result.get("suggest"),
        label=_int_or_none(result.get("label")),
        errcode=_int_or_none(raw.get("errcode")),
        errmsg=raw.get("errmsg"),
        appid=raw.get("appid"),
        detail=_as_list(raw.get("detail")),
        dedupe_key=f"{MEDIA_CHECK_EVENT}:{raw.get('trace_id')}",
    )
    return described


def _float_or_none(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _as_list(value):
    # xmltodict gives a dict for a single repeated element, a list for several.
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
