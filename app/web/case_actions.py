"""The case page's action forms: which actions a user may take now, and a submitted
form turned into the API's action body.

Nothing here decides anything itself: the allowed actions are read from the workflow's
records and transition()'s role check, and a form is loaded by the API's schema for its
action, so the page and /api/v1/inbox/cases/<id>/actions accept exactly the same things.
"""
import re

from flask import abort, current_app, flash, redirect, request, url_for

from app.cases.transitions import ensure_may
from app.cases.workflow import WORKFLOW, request_schema
from app.core.errors import ApiError
from app.core.requests import load
from app.photos.service import accept_photo_for

FIELD_NAMES = {
    "reason": "原因", "note": "说明", "into_case_id": "目标案卷", "department_code": "承办单位",
    "working_days": "延期工作日", "photo_ids": "处置后照片", "result": "核查结果", "version": "页面版本",
    "action": "操作",
}
STALE = "案卷状态已变化，请刷新后重试"
FORM_FIELDS = ("version", "reason", "into_case_id", "department_code", "note", "working_days", "result")
INTEGER_FIELDS = ("version", "into_case_id", "working_days")
CASE_REF = re.compile(r"^AJ\d{8}-(\d+)$", re.IGNORECASE)


def available_actions(user, case):
    """Exactly the actions transition() would accept from this user now, in the workflow's order."""
    return [a.name for a in WORKFLOW if a.allowed_from(case.status) and role_allows(user, case, a.name)]


def role_allows(user, case, action):
    try:
        ensure_may(user, case, action)
    except ApiError:
        return False
    return True


# --- submitted forms ---------------------------------------------------------------------

def action_params(action, *, user, now):
    """The form as the API's JSON body, loaded by the API's schema for that action.

    Feedback photos are checked with stand-in ids first, so a form missing its note
    stores nothing; then each file goes through the upload service and its id takes
    the stand-in's place, for transition() to claim as the API's feedback does.
    """
    body = form_body(action)
    if action != "feedback":
        return load(request_schema(body), body)
    files = [f for f in request.files.getlist("photos") if f.filename]
    load(request_schema(body), {**body, "photo_ids": [f"upload-{i}" for i in range(len(files))]})
    return load(request_schema(body), {**body, "photo_ids": store_photos(files, user=user, now=now)})


def form_body(action):
    body = {"action": action}
    for name in FORM_FIELDS:
        value = request.form.get(name, "").strip()
        if value:
            body[name] = as_number(name, value)
    return body


def as_number(name, value):
    """Numbers for the schema's strict integer fields; a case ref stands for its id."""
    if name not in INTEGER_FIELDS:
        return value
    ref = CASE_REF.match(value) if name == "into_case_id" else None
    text = ref.group(1) if ref else value
    return int(text) if text.isdigit() else value


def store_photos(files, *, user, now):
    return [accept_photo_for(user, f.read(), current_app.config, now).id for f in files]


def refused(error, case_id):
    """A refused action: lost races and form mistakes go back to the case with a flash."""
    if error.status in (403, 404):
        abort(error.status, description=error.message)
    if error.code == "invalid_transition":
        flash(STALE, "error")
    elif error.code == "validation_error":
        flash("请检查填写内容：" + "、".join(FIELD_NAMES.get(n, n) for n in error.fields), "error")
    else:
        flash(error.message, "error")
    return redirect(url_for("web_cases.detail", case_id=case_id))
