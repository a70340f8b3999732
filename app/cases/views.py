"""Inbox API (/api/v1/inbox) and the reporter's rating (/api/v1/reports/<id>/rating).

Jobs are enqueued only after the commit, and imported lazily: the notification and
photo jobs live in packages written alongside this one.
"""
import importlib
import logging

from flask import Blueprint, request

from app.accounts.auth import current_user, require_staff, require_user
from app.cases import inbox
from app.cases.ratings import rate_report
from app.cases.schemas import (
    CaseListArgsSchema, CaseSchema, CaseSummarySchema, RatingRequestSchema, RatingSchema, action_schema,
)
from app.cases.scope import get_visible_case
from app.extensions import db, queue
from app.schemas import load, load_args, load_json
from app.errors import ApiError
from app.timestamps import utcnow

log = logging.getLogger(__name__)

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
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError.bad_request("请求体必须是 JSON 对象 (JSON object body required)", "invalid_json")
    params, now = load(action_schema(body), body), utcnow()
    event = inbox.act_on_case(user=current_user(), case_id=case_id, now=now, **params)
    photo_ids = params.get("photo_ids", [])
    db.session.commit()
    after_commit(event, photo_ids)
    return case_payload(event.case, now)


@ratings_bp.post("/<int:report_id>/rating")
@require_user
def rate(report_id):
    body, now = load_json(RatingRequestSchema()), utcnow()
    rating, event = rate_report(user=current_user(), report_id=report_id, now=now, **body)
    db.session.commit()
    if event is not None:
        after_commit(event, [])
    # Without a reopen the case simply stays closed.
    case_status = event.case.status if event is not None else "closed"
    return {**RatingSchema().dump(rating), "case_status": case_status}, 201


def case_payload(case, now):
    return CaseSchema(now=now, after_photos=inbox.after_photos(case)).dump(case)


def after_commit(event, photo_ids):
    """Tell the reporter about public steps; have the worker process after-photos."""
    if event.public:
        notify = lazy_job("app.notifications.jobs", "notify_case_event")
        if notify:
            queue.enqueue(notify, event.id)
    process = lazy_job("app.reports.jobs", "process_photo") if photo_ids else None
    for photo_id in photo_ids if process else ():
        queue.enqueue(process, photo_id)


def lazy_job(module, name):
    """The job function, or None (logged) while its package is still being written:
    the commit has happened, so a missing job must not turn the answer into a 500."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        log.error("job %s.%s is missing; nothing enqueued", module, name)
        return None
