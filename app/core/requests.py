"""Request input every view parses the same way: the JSON body, query arguments, pages.

A marshmallow failure becomes a 400 ApiError. Before any view runs, one hook refuses
what no layer below can hold (app/core/inputs.py): NUL and lone surrogates in the
path, the query, form fields, headers or the JSON body, and JSON nested too deep.
`<int:…>` in every route is bounded to the database's integers, so an id beyond them
matches nothing (404); load() refuses integers and dates out of range in any schema's
result. So no view can forget a check: it never sees such input.
"""
from flask import Flask, request
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from app.core import inputs
from app.core.errors import ApiError

CHECKED_JSON = "microgrid.checked_json"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
INVALID_CHARACTERS = "请求包含无效字符 (invalid characters)"


class PageQuery(Schema):
    """?page=&per_page= for every list: pages from 1 to MAX_PAGE, at most 100 items a page."""

    page = fields.Integer(load_default=1, validate=validate.Range(
        1, inputs.MAX_PAGE, error=f"页码应在 1 至 {inputs.MAX_PAGE} 之间 (page out of range)"))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


def page_of(pagination, items):
    """The list envelope every paginated answer uses."""
    return {"items": items, "total": pagination.total, "page": pagination.page,
            "per_page": pagination.per_page}


def load(schema, data):
    try:
        loaded = schema.load(data if data is not None else {})
    except ValidationError as exc:
        raise ApiError.validation(exc.messages) from exc
    check_ranges(loaded)
    return loaded


def check_ranges(loaded):
    """Integers and dates the database or the local clock cannot hold are a 400, field by field."""
    problems = dict(inputs.out_of_range(loaded))
    if problems:
        raise ApiError.validation({name: [problem] for name, problem in problems.items()})
    return loaded


def json_body():
    """The request's JSON object; anything else (none, invalid, a list) is a 400."""
    data = checked_json()
    if not isinstance(data, dict):
        raise ApiError.bad_request("请求体必须是 JSON 对象 (JSON object body required)", "invalid_json")
    return data


def load_json(schema):
    return load(schema, json_body())


def load_args(schema):
    return load(schema, request.args.to_dict())


# --- the checks before every view -------------------------------------------------------

def checked_json():
    """The JSON body (None when there is none or it does not parse), checked once per request."""
    if CHECKED_JSON not in request.environ:
        request.environ[CHECKED_JSON] = read_json()
    return request.environ[CHECKED_JSON]


def read_json():
    if not request.is_json:
        return None
    # json.loads recurses per level: 100,000 brackets are a RecursionError, so count them first.
    if inputs.json_deeper_than(request.get_data(), inputs.MAX_JSON_DEPTH):
        raise ApiError.bad_request(f"JSON 嵌套超过 {inputs.MAX_JSON_DEPTH} 层 (JSON nested too deep)", "invalid_json")
    data = request.get_json(silent=True)
    refuse_bad_characters(inputs.bad_string_paths(data))
    return data


def check_request_input():
    """The app's first before-request hook. A path that matches no route is left to routing's 404."""
    if request.url_rule is None:
        return
    refuse_bad_characters(["path"] if inputs.has_bad_characters(request.path) else [])
    refuse_bad_characters(name for name, value in pairs(request.args) if bad(name, value))
    refuse_bad_characters(name for name, value in request.headers.items() if bad(name, value))
    if request.mimetype in FORM_TYPES:
        refuse_bad_characters(name for name, value in pairs(request.form) if bad(name, value))
    checked_json()


def pairs(multidict):
    return multidict.items(multi=True)


def bad(name, value):
    return inputs.has_bad_characters(name) or inputs.has_bad_characters(value)


def refuse_bad_characters(names):
    found = sorted(set(names))
    if found:
        raise ApiError.bad_request(INVALID_CHARACTERS, "invalid_characters",
                                   {inputs.BAD_CHARACTERS.sub("?", name): ["invalid characters"] for name in found})


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in every route: a number no integer column holds matches no route, so it is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", inputs.INT_MAX)
        super().__init__(map, *args, **kwargs)


def register_input_checks(app: Flask) -> None:
    """Before any blueprint: routes bind their converters when added, and this hook must run first."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.before_request(check_request_input)
