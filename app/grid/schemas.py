from marshmallow import Schema, fields, validate

from app.grid.datum import DATUMS


class LocateQuery(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    lng = fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)
    # WeChat's wx.getLocation and official-account messages are GCJ-02.
    coord = fields.String(load_default="gcj02", validate=validate.OneOf(DATUMS))


class LocationSchema(LocateQuery):
    """A point as clients send it inside report, binding and patrol bodies."""

    coord = fields.String(required=True, validate=validate.OneOf(DATUMS))


class UnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)  # set: left out of a later full import


def located(record):
    """The {cell, community, street} answer for a CellRecord."""
    return {
        "cell": {"code": record.code, "name": record.name},
        "community": {"code": record.community_code, "name": record.community_name},
        "street": {"code": record.street_code, "name": record.street_name},
    }
