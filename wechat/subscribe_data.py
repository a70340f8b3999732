"""Fitting values into subscribe-message template fields.

WeChat rejects the whole message (47003) when one value is too long, so we cut
values on our side. A field's kind is the key without its number: `thing1` is a
`thing`. Limits from the subscribeMessage.send documentation.
"""

import re

THING_LIMIT = 20
PHRASE_LIMIT = 5
_ELLIPSIS = "…"

_LIMIT_BY_KIND = {
    "thing": THING_LIMIT,
    "phrase": PHRASE_LIMIT,
    "name": 10,
    "number": 32,
    "letter": 32,
    "character_string": 32,
    "symbol": 5,
    "car_number": 8,
    "phone_number": 17,
}


def truncate_thing(value, limit=THING_LIMIT):
    """Free text: keep the start and mark the cut so the reader sees there is more."""
    value = str(value)
    if len(value) <= limit:
        return value
    return value[: limit - 1] + _ELLIPSIS


def truncate_phrase(value, limit=PHRASE_LIMIT):
    """Short status words: an ellipsis would eat a fifth of the room, so just cut."""
    return str(value)[:limit]


def field_kind(key):
    return re.sub(r"\d+$", "", key)


def fit_value(key, value):
    kind = field_kind(key)
    if kind == "thing":
        return truncate_thing(value)
    limit = _LIMIT_BY_KIND.get(kind)
    return str(value) if limit is None else str(value)[:limit]


def fit_template_data(data):
    """`{"thing1": "..."}` or `{"thing1": {"value": "..."}}` -> WeChat's shape, values cut to fit."""
    fitted = {}
    for key, value in data.items():
        raw = value["value"] if isinstance(value, dict) else value
        fitted[key] = {"value": fit_value(key, raw)}
    return fitted
