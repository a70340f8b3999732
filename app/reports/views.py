from flask import Blueprint, current_app, request

from app.accounts.auth import current_user, require_user
from app.errors import ApiError
from app.extensions import db
from app.reports import idempotency, service, uploads
from app.reports.jobs import enqueue_report
from app.reports.schemas import (
    PhotoUploadSchema, ReportRequestSchema, accepted, report_for_owner,
)
from app.schemas import PageQuery, load, load_args, page_of
from app.timestamps import utcnow

bp = Blueprint("reports", __name__, url_prefix="/api/v1")


@bp.post("/uploads")
@require_user
def upload():
    file = request.files.get("file")
    config = current_app.config
    photo = uploads.accept_photo(user=current_user(), data=file.read() if file else b"",
                                 max_bytes=config["PHOTO_MAX_BYTES"], max_pixels=config["MAX_IMAGE_PIXELS"],
                                 daily_quota=config["UPLOAD_DAILY_QUOTA"], now=utcnow())
    db.session.commit()
    return PhotoUploadSchema().dump(photo), 201


@bp.post("/reports")
@require_user
def submit_report():
    user, now = current_user(), utcnow()
    key = idempotency.validate_key(request.headers.get("Idempotency-Key", "").strip())
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict):
        raise ApiError.bad_request("请求体必须是 JSON 对象 (JSON object body required)", "invalid_json")
    replay = idempotency.claim(user=user, key=key, body_hash=idempotency.request_hash(raw), now=now)
    if replay is not None:
        return replay[1], replay[0]
    try:
        report = create_from_body(user, raw, now)
        body = accepted(report)
        idempotency.complete(user=user, key=key, status=202, body=body)
        db.session.commit()
    except Exception:
        idempotency.release(user=user, key=key)
        raise
    enqueue_report(report.id)
    return body, 202


def create_from_body(user, raw, now):
    body = load(ReportRequestSchema(), raw)
    return service.create_report(user=user, now=now, **body)


@bp.get("/reports/mine")
@require_user
def my_reports():
    page = service.reports_of(user=current_user(), **load_args(PageQuery()))
    return page_of(page, [report_for_owner(r) for r in page.items])


@bp.get("/reports/<int:report_id>")
@require_user
def my_report(report_id):
    return report_for_owner(service.get_own_report(user=current_user(), report_id=report_id))
