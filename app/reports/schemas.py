from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.grid.schemas import LocationSchema
from app.photos.schemas import photo_urls

MAX_PHOTOS = 9  # wx.chooseMedia's limit


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
    timeline = [{"at": report.created_at.isoformat(), "status": "received", "note": "已提交"}]
    if report.case is not None:
        timeline += [{"at": e.at.isoformat(), "status": e.to_status or e.action, "note": e.note}
                     for e in report.case.events if e.public]
    return timeline


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
