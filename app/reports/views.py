from flask import Blueprint, request

from app.accounts.auth import current_user, require_user
from app.core.clock import utcnow
from app.core.extensions import db
from app.core.requests import PageQuery, json_body, load, load_args, page_of
from app.reports import idempotency, service
from app.reports.jobs import enqueue_report
from app.reports.schemas import (
    ReportRequestSchema,
    accepted,
    report_for_owner,
)

bp = Blueprint("reports", __name__, url_prefix="/api/v1")


@bp.post("/reports")
@require_user
def submit_report():
    user, now = current_user(), utcnow()
    key = idempotency.validate_key(request.headers.get("Idempotency-Key", "").strip())
    raw = json_body()
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
