"""Action parameters, inbox query arguments, and the case payload of DESIGN.md §4."""
from marshmallow import Schema, ValidationError, fields, validate

from app.cases.models import CLOSED_STATUSES, OPEN_STATUSES, is_overdue
from app.core.requests import PageQuery
from app.photos.schemas import photo_urls

STATUSES = OPEN_STATUSES + CLOSED_STATUSES
REASON = validate.Length(1, 500)


# --- actions ---------------------------------------------------------------------------

class ActionSchema(Schema):
    """The fields every action takes; each action's record in workflow.py names its schema."""
    action = fields.String(required=True)
    # The version the client saw; acting on a stale page is refused like a lost race.
    version = fields.Integer(validate=validate.Range(min=1))


class ReasonSchema(ActionSchema):
    reason = fields.String(required=True, validate=REASON)


class MergeSchema(ActionSchema):
    into_case_id = fields.Integer(required=True, strict=True)


class DispatchSchema(ActionSchema):
    department_code = fields.String(validate=validate.Length(1, 20))  # default: the category's
    note = fields.String(validate=validate.Length(max=500))


class ExtendSchema(ReasonSchema):
    working_days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 30))


class FeedbackSchema(ActionSchema):
    note = fields.String(required=True, validate=REASON)
    # After-photos are the evidence the street verifies against.
    photo_ids = fields.List(fields.String(validate=validate.Length(1, 32)), required=True,
                            validate=validate.Length(1, 9))


class VerifySchema(ActionSchema):
    result = fields.String(required=True, validate=validate.OneOf(("pass", "fail")))
    note = fields.String(validate=validate.Length(max=500))


class ReopenSchema(ActionSchema):
    reason = fields.String(validate=REASON)


# --- inbox query ---------------------------------------------------------------------------

class StatusList(fields.String):
    """`status=pending,accepted` → ["pending", "accepted"]."""

    def _deserialize(self, value, attr, data, **kwargs):
        statuses = [s for s in super()._deserialize(value, attr, data, **kwargs).split(",") if s]
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise ValidationError(f"unknown status {', '.join(unknown)}; one of {', '.join(STATUSES)}")
        return statuses


class CaseListArgsSchema(PageQuery):
    status = StatusList()
    category = fields.String(validate=validate.Length(1, 10))
    cell = fields.String(validate=validate.Regexp(r"^\d{15}$"))
    community = fields.String(validate=validate.Regexp(r"^\d{12}$"))
    street = fields.String(validate=validate.Regexp(r"^\d{9}$"))  # narrows the caller's scope, never widens it
    department = fields.String(validate=validate.Length(1, 20))
    overdue = fields.Boolean()
    created_from = fields.Date()
    created_to = fields.Date()
    q = fields.String(validate=validate.Length(1, 100))
    sort = fields.String(load_default="-created_at",
                         validate=validate.OneOf(("created_at", "-created_at", "due_at", "-due_at")))


# --- payloads ----------------------------------------------------------------------------------

class LocationSchema(Schema):
    lat = fields.Float()
    lng = fields.Float()
    coord = fields.String()


class ReportSchema(Schema):
    """A report as staff see it: flagged content is shown, with its flag."""
    id = fields.Integer()
    ref = fields.String()
    source = fields.String()
    category_code = fields.String()
    description = fields.String()
    location = fields.Function(lambda r: LocationSchema().dump(r))
    cell_code = fields.String()
    flagged = fields.Boolean()
    photos = fields.Function(lambda r: [photo_urls(p) for p in r.photos])
    created_at = fields.DateTime()


class EventSchema(Schema):
    at = fields.DateTime()
    actor = fields.String(attribute="actor_label")
    action = fields.String()
    # `from`/`to` are Python keywords: declared with data_key.
    from_status = fields.String(data_key="from", allow_none=True)
    to_status = fields.String(data_key="to", allow_none=True)
    note = fields.String(allow_none=True)
    public = fields.Boolean()


class CaseSummarySchema(Schema):
    """One row of the inbox list; `now` decides `overdue`."""
    id = fields.Integer()
    ref = fields.String()
    status = fields.String()
    category_code = fields.String()
    cell_code = fields.String()
    community_code = fields.String()
    street_code = fields.String()
    department_code = fields.String(allow_none=True)
    description = fields.String()
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    # Counted across a year whose holiday notice is not entered yet: may still move.
    deadlines_provisional = fields.Boolean()
    overdue = fields.Method("is_overdue")
    report_count = fields.Integer()
    flagged = fields.Boolean()
    supervision = fields.String(allow_none=True)
    rework_count = fields.Integer()
    version = fields.Integer()

    def __init__(self, *args, now, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def is_overdue(self, case):
        return is_overdue(case, self.now)


class CaseSchema(CaseSummarySchema):
    wgs_lat = fields.Float()
    wgs_lng = fields.Float()
    accepted_at = fields.DateTime(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    handled_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)
    reports = fields.List(fields.Nested(ReportSchema))
    timeline = fields.Method("dump_timeline")
    deadlines = fields.Function(lambda c: {
        "sign_due_at": _iso(c.sign_due_at), "handling_due_at": _iso(c.handling_due_at),
        "due_at": _iso(c.due_at), "extended_days": c.extended_days,
        "provisional": c.deadlines_provisional})

    def dump_timeline(self, case):
        return [{**EventSchema().dump(e), "photos": [photo_urls(p) for p in self.after_photos.get(e.id, [])]}
                for e in case.events]

    def __init__(self, *args, after_photos=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.after_photos = after_photos or {}


def _iso(moment):
    return moment.isoformat() if moment else None


class RatingRequestSchema(Schema):
    satisfaction = fields.String(required=True,
                                 validate=validate.OneOf(("satisfied", "basic", "unsatisfied")))
    comment = fields.String(load_default=None, validate=validate.Length(max=500))


class RatingSchema(Schema):
    report_id = fields.Integer()
    case_id = fields.Integer()
    satisfaction = fields.String()
    comment = fields.String(allow_none=True)
    created_at = fields.DateTime()
