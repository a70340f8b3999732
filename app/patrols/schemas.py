from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.grid.schemas import LocationSchema
from app.patrols.stats import TABLES

MAX_FINDINGS = 50
MAX_TRACK_POINTS = 5000  # a point every 10 s for 12 hours fits
NOTE_MAX = 500


class StartPatrolSchema(Schema):
    cell_code = fields.String(required=True, validate=validate.Regexp(r"^\d{15}$"))
    location = fields.Nested(LocationSchema, required=True)
    # Optional: a client may state the day it thinks it is; it must be today.
    date = fields.Date()


class TrackPointSchema(LocationSchema):
    at = fields.AwareDateTime(required=True)


class FinishPatrolSchema(Schema):
    """Findings (report ids) or a zero report; which of the two is checked here, their clash in the service."""

    zero_report = fields.Boolean(load_default=False)
    report_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)), load_default=list,
                             validate=validate.Length(max=MAX_FINDINGS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=NOTE_MAX))
    track = fields.List(fields.Nested(TrackPointSchema), load_default=list,
                        validate=validate.Length(max=MAX_TRACK_POINTS))

    @validates_schema
    def findings_or_zero_report(self, data, **kwargs):
        if not data.get("zero_report") and not data.get("report_ids"):
            raise ValidationError("give report_ids, or zero_report: true when nothing was found", "_schema")


class StreetQuery(Schema):
    street = fields.String(load_default=None, validate=validate.Regexp(r"^\d{9}$"))


class ComplianceQuery(StreetQuery):
    date = fields.Date(load_default=None)


class StatsQuery(StreetQuery):
    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
    table = fields.String(load_default="communities", validate=validate.OneOf(TABLES))


class PatrolSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    cell_code = fields.String()
    community_code = fields.String()
    street_code = fields.String()
    date = fields.Date()
    signed_in_at = fields.DateTime()
    location = fields.Function(lambda p: {"lat": p.lat, "lng": p.lng, "coord": p.coord})
    signin_distance_m = fields.Integer()
    finished_at = fields.DateTime(allow_none=True)
    zero_report = fields.Boolean()
    note = fields.String(allow_none=True)
    report_ids = fields.Function(lambda p: [r.id for r in p.findings])
    track_points = fields.Function(lambda p: len(p.track or []))
