"""What request input may hold, whichever way it arrives: the limits and the checks.

Outside testing found requests answered 500 because a value reached a layer that
cannot hold it: PostgreSQL refuses NUL in text, UTF-8 cannot encode a lone surrogate
(the idempotency hash), ids and versions are 32-bit integer columns, the local clock
overflows at year 1 and 9999, and json.loads recurses once per nesting level. These
functions only find such values; app/core/requests.py refuses them as 400s.
"""
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

# PostgreSQL `integer`: every id, version and counter column of the schema.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# Dates any filter, patrol day or track point can sensibly mean; far from the clock's edges.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2100, 12, 31)
MAX_JSON_DEPTH = 32  # our deepest body (a patrol's track points) nests 3 levels
MAX_PAGE = 10_000  # deeper offsets are a scan nobody reads; filters narrow a list instead

BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
# A JSON string (escapes included) or a bracket: strings are skipped, brackets counted.
JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


def has_bad_characters(text: str) -> bool:
    """NUL (PostgreSQL text cannot hold it) or a lone surrogate (UTF-8 cannot encode it)."""
    return BAD_CHARACTERS.search(text) is not None


def json_deeper_than(raw: bytes, limit: int) -> bool:
    """Nesting beyond `limit`, found without parsing; stops at the first bracket too deep."""
    depth = 0
    for token in JSON_TOKEN.finditer(raw):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


def bad_string_paths(value: Any, path: str = "") -> Iterator[str]:
    """Where in decoded JSON a key or a string holds bad characters ("location.coord", "photo_ids.0")."""
    if isinstance(value, str):
        if has_bad_characters(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = joined(path, key)
            if has_bad_characters(key):
                yield inner
            yield from bad_string_paths(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from bad_string_paths(item, joined(path, index))


def out_of_range(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field, problem) for every integer or date in loaded input that the database or clock cannot hold."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from out_of_range(item, joined(path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from out_of_range(item, joined(path, index))
    else:
        problem = range_problem(value)
        if problem:
            yield path, problem


def range_problem(value: Any) -> str | None:
    if isinstance(value, bool):  # a bool is an int to Python, never to a client
        return None
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        return f"超出范围 (out of range {INT_MIN}..{INT_MAX})"
    if isinstance(value, date | datetime) and not EARLIEST_DATE <= as_date(value) <= LATEST_DATE:
        return f"日期应在 {EARLIEST_DATE} 至 {LATEST_DATE} 之间 (date out of range)"
    return None


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def joined(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)
