"""Query arguments of the statistics endpoints."""
from marshmallow import Schema, fields, validate

from app.stats.groups import SOURCE_GROUPS

FORMATS = ("json", "csv", "xlsx")


class PeriodQuery(Schema):
    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)
    street = fields.String(load_default=None, validate=validate.Regexp(r"^\d{9}$"))


class StatsQuery(PeriodQuery):
    group_by = fields.String(load_default=None, validate=validate.Length(1, 20))  # checked against GROUPINGS
    department = fields.String(load_default=None, validate=validate.Length(1, 20))
    # A kind (C, E), a major class (C01) or a category (C0101).
    category = fields.String(load_default=None, validate=validate.Regexp(r"^[CE](\d{2}(\d{2})?)?$"))
    source = fields.String(load_default=None, validate=validate.OneOf(tuple(SOURCE_GROUPS)))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class PostsQuery(PeriodQuery):
    table = fields.String(load_default="people", validate=validate.OneOf(("people", "communities")))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS[:2]))


class BulletinQuery(Schema):
    month = fields.Date(required=True, format="%Y-%m")
