"""Every case state change of DESIGN.md §1 goes through `transition()`.

Who may do what (checked after the state: a wrong state is 409 for anyone who can see
the case; a wrong role in a right state is 403):
- street actions — accept, reject, merge, dispatch, extend, verify, reopen: staff of the
  case's street or a district admin. Extension (延期) is an approval: the handler asks
  (by phone, or in a feedback/return note) and street staff grant it, within the
  category's maximum. Reopen may also come from the system (an unsatisfied reporter).
- department actions — sign, return, feedback: handlers of the department the case is
  dispatched to. An admin does not act for a department.

The update is a compare-and-set on (id, version, status): of two staff acting on the
same case at once, one wins and the other gets 409 `invalid_transition`, on SQLite and
PostgreSQL alike, without locks held across requests.
"""
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select, update

from app.accounts.auth import can_manage_street
from app.cases import policy
from app.cases.deadlines import ExtensionRefused, extend as extend_due
from app.cases.models import Case
from app.cases.recount import deadline_columns
from app.cases.scope import handles_case, visible_cases
from app.cases.service import record_event
from app.catalog.models import Category
from app.catalog.service import get_department
from app.errors import ApiError
from app.extensions import db
from app.reports.models import Photo

TRANSITIONS = {
    ("pending", "accept"): "accepted",
    ("pending", "reject"): "rejected",
    ("pending", "merge"): "merged",
    ("accepted", "dispatch"): "dispatched",
    ("dispatched", "sign"): "in_progress",
    ("dispatched", "return"): "accepted",
    ("in_progress", "return"): "accepted",
    ("in_progress", "extend"): "in_progress",
    ("in_progress", "feedback"): "handled",
    ("handled", "verify:pass"): "closed",
    ("handled", "verify:fail"): "dispatched",  # 返工: rework count + 1
    ("closed", "reopen"): "dispatched",        # 重办 after an unsatisfied reporter
}
ACTIONS = ("accept", "reject", "merge", "dispatch", "sign", "return", "extend", "feedback",
           "verify", "reopen")
DEPARTMENT_ACTIONS = frozenset({"sign", "return", "feedback"})
SYSTEM_ACTIONS = frozenset({"reopen"})
# The steps a reporter is told about (the notification job reads public events).
PUBLIC_STEPS = frozenset({("accept", "accepted"), ("reject", "rejected"), ("dispatch", "dispatched"),
                          ("verify", "closed"), ("reopen", "dispatched")})
CLEARED_DEADLINES = {"sign_due_at": None, "handling_due_at": None, "due_at": None,
                     "extended_days": 0, "supervision": None, "deadlines_provisional": False}


def invalid_transition():
    return ApiError.conflict("当前状态不能执行该操作 (invalid transition)", "invalid_transition")


@dataclass
class Plan:
    """What one action changes on the case row, its timeline note, and the writes that
    may only happen once the compare-and-set has made the case ours."""
    changes: dict
    note: str | None = None
    then: list[Callable] = field(default_factory=list)


def transition(*, case, action, actor, now, version=None, **params):
    """Apply `action` to `case`; returns the CaseEvent written. The caller commits.

    `version`, when given, is the version the client saw: acting on a stale page is a 409
    too. 409 `invalid_transition` for a wrong state or a lost race, 403 for a wrong role.
    Nothing is written before the compare-and-set has succeeded.
    """
    from_status = case.status
    to_status = target_status(from_status, action, params)
    ensure_may(actor, case, action)
    plan = PLANS[action](case=case, actor=actor, now=now, **params)
    compare_and_set(case, seen=version or case.version, from_status=from_status,
                    to_status=to_status, changes=plan.changes, now=now)
    event = record_event(case=case, action=action, now=now, actor=actor, from_status=from_status,
                         to_status=to_status, note=plan.note,
                         public=(action, to_status) in PUBLIC_STEPS)
    for step in plan.then:
        step(event)
    return event


def ensure_may(actor, case, action):
    if actor is None:
        allowed = action in SYSTEM_ACTIONS
    elif action in DEPARTMENT_ACTIONS:
        allowed = handles_case(actor, case)
    else:
        allowed = can_manage_street(actor, case.street_code)
    if not allowed:
        raise ApiError.forbidden("无权对该案件执行此操作 (not allowed for your role)")


def target_status(from_status, action, params):
    if action not in ACTIONS:
        raise ApiError.validation({"action": [f"unknown action {action}"]})
    key = f"verify:{params.get('result')}" if action == "verify" else action
    to_status = TRANSITIONS.get((from_status, key))
    if to_status is None:
        raise invalid_transition()
    return to_status


def compare_and_set(case, *, seen, from_status, to_status, changes, now):
    """UPDATE ... WHERE id, version and status are what we read; 0 rows → somebody won."""
    stmt = (update(Case)
            .where(Case.id == case.id, Case.version == seen, Case.status == from_status)
            .values(status=to_status, updated_at=now, version=Case.version + 1, **changes)
            .execution_options(synchronize_session=False))
    if db.session.execute(stmt).rowcount != 1:
        raise invalid_transition()
    db.session.refresh(case)


# --- one plan per action --------------------------------------------------------------

def plan_accept(*, case, actor, now):
    return Plan({"accepted_at": now})


def plan_reject(*, case, actor, now, reason):
    return Plan({"closed_at": now, "reject_reason": reason}, note=reason)


def plan_merge(*, case, actor, now, into_case_id):
    target = merge_target(case, actor, into_case_id)
    return Plan({"closed_at": now, "merged_into_id": target.id, "report_count": 0},
                note=f"合并至 {target.ref}", then=[lambda event: move_reports(case, target, now, actor)])


def plan_dispatch(*, case, actor, now, department_code=None, note=None):
    department = get_department(department_code or default_department(case))
    changes = {"department_code": department.code, **fresh_deadlines(case, now)}
    # The public note names the department only; staff instructions stay internal.
    def record_instructions(event):
        record_event(case=case, action="note", now=now, actor=actor, note=note)

    return Plan(changes, note=f"派遣至 {department.name}", then=[record_instructions] if note else [])


def plan_sign(*, case, actor, now):
    return Plan({"signed_at": now})


def plan_return(*, case, actor, now, reason):
    # Back to the street to dispatch again: the department and its clock go.
    return Plan({"department_code": None, "signed_at": None, **CLEARED_DEADLINES}, note=reason)


def plan_extend(*, case, actor, now, working_days, reason):
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


def plan_feedback(*, case, actor, now, note, photo_ids):
    ids = claimable_photo_ids(actor, photo_ids)
    return Plan({"handled_at": now}, note=note, then=[lambda event: link_photos(ids, event)])


def plan_verify(*, case, actor, now, result, note=None):
    if result == "pass":
        return Plan({"closed_at": now}, note=note)
    return Plan({"rework_count": case.rework_count + 1, **fresh_deadlines(case, now)},
                note=f"核查不通过，返工：{note}" if note else "核查不通过，返工")


def plan_reopen(*, case, actor, now, reason=None):
    return Plan({"closed_at": None, **fresh_deadlines(case, now)}, note=reason)


PLANS = {"accept": plan_accept, "reject": plan_reject, "merge": plan_merge, "dispatch": plan_dispatch,
         "sign": plan_sign, "return": plan_return, "extend": plan_extend, "feedback": plan_feedback,
         "verify": plan_verify, "reopen": plan_reopen}


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


def claimable_photo_ids(actor, photo_ids):
    """The caller's own photos not yet used by a report or another feedback."""
    ids = list(dict.fromkeys(photo_ids))
    found = set(db.session.scalars(select(Photo.id).where(
        Photo.id.in_(ids), Photo.user_id == actor.id,
        Photo.report_id.is_(None), Photo.case_event_id.is_(None))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApiError.unprocessable("照片不存在或已被使用 (unknown or used photos)", "invalid_photos",
                                     fields={"photo_ids": missing})
    return ids


def link_photos(ids, event):
    db.session.flush()  # the event needs its id
    # Conditional, so a photo claimed meanwhile by a report is never taken twice.
    claimed = db.session.execute(
        update(Photo).where(Photo.id.in_(ids), Photo.report_id.is_(None), Photo.case_event_id.is_(None))
        .values(case_event_id=event.id).execution_options(synchronize_session=False)).rowcount
    if claimed != len(ids):
        raise ApiError.conflict("照片已被使用 (photos already used)", "photos_in_use")
