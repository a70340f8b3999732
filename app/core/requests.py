"""Request input every view parses the same way: the JSON body, query arguments, pages.

A marshmallow failure becomes a 400 ApiError.
"""
from flask import request
from marshmallow import Schema, ValidationError, fields, validate

from app.core.errors import ApiError


class PageQuery(Schema):
    """?page=&per_page= for every list: pages from 1, at most 100 items a page."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


def page_of(pagination, items):
    """The list envelope every paginated answer uses."""
    return {"items": items, "total": pagination.total, "page": pagination.page,
            "per_page": pagination.per_page}


def load(schema, data):
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as exc:
        raise ApiError.validation(exc.messages) from exc


def json_body():
    """The request's JSON object; anything else (none, invalid, a list) is a 400."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError.bad_request("请求体必须是 JSON 对象 (JSON object body required)", "invalid_json")
    return data


def load_json(schema):
    return load(schema, json_body())


def load_args(schema):
    return load(schema, request.args.to_dict())
