"""Inbox API (/api/v1/inbox) and the reporter's rating (/api/v1/reports/<id>/rating).

Follow-up jobs are enqueued only after the commit.
"""
from flask import Blueprint

from app.accounts.auth import current_user, require_staff, require_user
from app.cases import inbox, workflow
from app.cases.ratings import rate_report
from app.cases.schemas import (
    CaseListArgsSchema,
    CaseSchema,
    CaseSummarySchema,
    RatingRequestSchema,
    RatingSchema,
)
from app.cases.scope import get_visible_case
from app.core.clock import utcnow
from app.core.extensions import db
from app.core.requests import json_body, load, load_args, load_json

bp = Blueprint("inbox", __name__, url_prefix="/api/v1/inbox")
ratings_bp = Blueprint("ratings", __name__, url_prefix="/api/v1/reports")


@bp.get("/cases")
@require_staff
def list_cases():
    args, user, now = load_args(CaseListArgsSchema()), current_user(), utcnow()
    items, total = inbox.list_cases(user=user, now=now, **args)
    return {"items": CaseSummarySchema(many=True, now=now).dump(items), "total": total,
            "page": args["page"], "per_page": args["per_page"],
            "counters": inbox.counters(user=user, now=now)}


@bp.get("/cases/<int:case_id>")
@require_staff
def case_detail(case_id):
    case = get_visible_case(user=current_user(), case_id=case_id)
    return case_payload(case, utcnow())


@bp.post("/cases/<int:case_id>/actions")
@require_staff
def case_action(case_id):
    body = json_body()
    params, now = load(workflow.request_schema(body), body), utcnow()
    event = inbox.act_on_case(user=current_user(), case_id=case_id, now=now, **params)
    photo_ids = params.get("photo_ids", [])
    db.session.commit()
    inbox.enqueue_follow_ups(event, photo_ids)
    return case_payload(event.case, now)


@ratings_bp.post("/<int:report_id>/rating")
@require_user
def rate(report_id):
    body, now = load_json(RatingRequestSchema()), utcnow()
    rating, event = rate_report(user=current_user(), report_id=report_id, now=now, **body)
    db.session.commit()
    if event is not None:
        inbox.enqueue_follow_ups(event, [])
    # Without a reopen the case simply stays closed.
    case_status = event.case.status if event is not None else "closed"
    return {**RatingSchema().dump(rating), "case_status": case_status}, 201


def case_payload(case, now):
    return CaseSchema(now=now, after_photos=inbox.after_photos(case)).dump(case)
