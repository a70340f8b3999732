from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.grid.schemas import LocationSchema
from app.photos.schemas import photo_urls
from app.reports.service import REPORT_REF

MAX_PHOTOS = 9  # wx.chooseMedia's limit
OPENING_STEP = "created"  # the case event that opens a case around its first report
OTHER_REPORT = "其他上报"


class ReportRequestSchema(Schema):
    category_code = fields.String(required=True, validate=validate.Length(1, 10))
    description = fields.String(load_default="")
    location = fields.Nested(LocationSchema, required=True)
    photo_ids = fields.List(fields.String(validate=validate.Length(1, 32)), required=True,
                            validate=validate.Length(1, MAX_PHOTOS))

    @validates("description")
    def description_fits(self, value, **kwargs):
        maximum = current_app.config["REPORT_DESCRIPTION_MAX"]
        if len(value) > maximum:
            raise ValidationError(f"最多 {maximum} 字 (at most {maximum} characters)")


def public_status(report):
    """`received` until processed, then the status its case shows (merged cases: the target's)."""
    if report.status == "received" or report.case is None:
        return "received"
    return report.case.status


def public_timeline(report):
    """The reporter's own story: their submission, then the case's public steps from then on.

    A duplicate reporter joins a case someone else opened; the steps before their report
    and the step that opened the case around the other report are not theirs, and no
    other reporter's reference is shown (DESIGN: no other people's data).
    """
    timeline = [{"at": report.created_at.isoformat(), "status": "received", "note": "已提交"}]
    if report.case is not None:
        timeline += [{"at": e.at.isoformat(), "status": e.to_status or e.action, "note": own_note(e.note, report)}
                     for e in report.case.events if e.public and is_own_step(e, report)]
    return timeline


def is_own_step(event, report):
    if event.at < report.created_at:
        return False
    # The case's opening step names the report it was opened around.
    return event.action != OPENING_STEP or bool(report.ref) and report.ref in (event.note or "")


def own_note(note, report):
    """A staff note as this reporter may read it: other reporters' references masked."""
    if not note:
        return note
    return REPORT_REF.sub(lambda ref: ref.group() if ref.group() == report.ref else OTHER_REPORT, note)


def report_for_owner(report):
    """The reporter's view: visible photos only, no staff notes, no other people's data."""
    return {
        "id": report.id,
        "ref": report.ref,
        "status": public_status(report),
        "category_code": report.category_code,
        "description": report.description,
        "location": {"lat": report.lat, "lng": report.lng, "coord": report.coord},
        "cell_code": report.cell_code,
        "street_code": report.street_code,
        "photos": [photo_urls(p) for p in report.photos if p.publicly_visible],
        "timeline": public_timeline(report),
        "created_at": report.created_at.isoformat(),
    }


def accepted(report):
    return {"id": report.id, "ref": report.ref, "status": "received"}
