"""One plan per case action: what it changes on the case row, its timeline note, and the
writes that may only happen once transition()'s compare-and-set has made the case ours.

A plan may read and refuse (ApiError) but writes nothing itself: the changes go into
the guarded UPDATE, anything else into `then`.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from app.cases import policy
from app.cases.deadlines import ExtensionRefused
from app.cases.deadlines import extend as extend_due
from app.cases.models import Case
from app.cases.recount import deadline_columns
from app.cases.scope import visible_cases
from app.cases.service import record_event
from app.catalog.models import Category
from app.catalog.service import get_department
from app.core.errors import ApiError
from app.core.extensions import db
from app.photos.service import claim_photos

CLEARED_DEADLINES = {"sign_due_at": None, "handling_due_at": None, "due_at": None,
                     "extended_days": 0, "supervision": None, "deadlines_provisional": False}


@dataclass
class Plan:
    changes: dict
    note: str | None = None
    then: list[Callable] = field(default_factory=list)


def accept(*, case, actor, now):
    return Plan({"accepted_at": now})


def reject(*, case, actor, now, reason):
    return Plan({"closed_at": now, "reject_reason": reason}, note=reason)


def merge(*, case, actor, now, into_case_id):
    target = merge_target(case, actor, into_case_id)
    return Plan({"closed_at": now, "merged_into_id": target.id, "report_count": 0},
                note=f"合并至 {target.ref}", then=[lambda event: move_reports(case, target, now, actor)])


def dispatch(*, case, actor, now, department_code=None, note=None):
    department = get_department(department_code or default_department(case))
    changes = {"department_code": department.code, **fresh_deadlines(case, now)}

    # The public note names the department only; staff instructions stay internal.
    def record_instructions(event):
        record_event(case=case, action="note", now=now, actor=actor, note=note)

    return Plan(changes, note=f"派遣至 {department.name}", then=[record_instructions] if note else [])


def sign(*, case, actor, now):
    return Plan({"signed_at": now})


def give_back(*, case, actor, now, reason):
    # Back to the street to dispatch again: the department and its clock go.
    return Plan({"department_code": None, "signed_at": None, **CLEARED_DEADLINES}, note=reason)


def extend(*, case, actor, now, working_days, reason):
    profile, calendar = policy.deadline_profile(category_of(case)), policy.working_calendar()
    try:
        due = extend_due(case.due_at, working_days, case.extended_days, profile, calendar)
    except ExtensionRefused as exc:
        raise ApiError.unprocessable(f"延期超过上限 (extension refused): {exc}", "extension_refused",
                                     fields={"working_days": [str(exc)]}) from exc
    # Only a recount clears the flag (recount.py): the extension may add an unknown year.
    provisional = case.deadlines_provisional or calendar.spans_unknown_year(case.dispatched_at, due)
    return Plan({"due_at": due, "extended_days": case.extended_days + working_days,
                 "deadlines_provisional": provisional},
                note=f"延期 {working_days} 个工作日：{reason}")


def feedback(*, case, actor, now, note, photo_ids):
    # Locked now, marked used once the event exists: a photo never serves twice.
    photos = claim_photos(user=actor, photo_ids=photo_ids)
    return Plan({"handled_at": now}, note=note, then=[lambda event: link_photos(photos, event)])


def verify(*, case, actor, now, result, note=None):
    if result == "pass":
        return Plan({"closed_at": now}, note=note)
    return Plan({"rework_count": case.rework_count + 1, **fresh_deadlines(case, now)},
                note=f"核查不通过，返工：{note}" if note else "核查不通过，返工")


def reopen(*, case, actor, now, reason=None):
    return Plan({"closed_at": None, **fresh_deadlines(case, now)}, note=reason)


# --- helpers --------------------------------------------------------------------------

def category_of(case):
    return db.session.get(Category, case.category_code)


def default_department(case):
    code = category_of(case).default_department_code
    if code is None:
        raise ApiError.validation({"department_code": ["该类别没有默认承办单位，请选择 (required)"]})
    return code


def fresh_deadlines(case, now):
    """A new clock from `now`: on dispatch, on rework and on reopen (重办)."""
    columns = deadline_columns(policy.deadline_profile(category_of(case)), now, 0, policy.working_calendar())
    return {"dispatched_at": now, "signed_at": None, "handled_at": None, **CLEARED_DEADLINES, **columns}


def merge_target(case, actor, into_case_id):
    query = visible_cases(actor) if actor is not None else select(Case)
    target = db.session.scalar(query.where(Case.id == into_case_id))
    if target is None or target.id == case.id or not target.is_open or target.street_code != case.street_code:
        raise ApiError.unprocessable(
            "只能合并到本街镇另一个未结案件 (merge target must be another open case of the same street)",
            "invalid_merge_target", fields={"into_case_id": ["not an open case of this street"]})
    return target


def move_reports(source, target, now, actor):
    reports = list(source.reports)
    for report in reports:
        report.case = target
    # A SQL increment: reports may attach to the target concurrently.
    target.report_count = Case.report_count + len(reports)
    target.flagged = target.flagged or source.flagged
    target.updated_at = now
    record_event(case=target, action="merged_in", now=now, actor=actor,
                 note=f"合并 {source.ref}（{len(reports)} 条上报）")


def link_photos(photos, event):
    db.session.flush()  # the event needs its id
    for photo in photos:
        photo.case_event_id = event.id
