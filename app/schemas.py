"""Parsing helpers shared by every view: a marshmallow failure becomes a 400 ApiError."""
from flask import request
from marshmallow import ValidationError

from app.errors import ApiError


def load(schema, data):
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as exc:
        raise ApiError.validation(exc.messages) from exc


def load_json(schema):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError.bad_request("请求体必须是 JSON 对象 (JSON object body required)", "invalid_json")
    return load(schema, data)


def load_args(schema):
    return load(schema, request.args.to_dict())
