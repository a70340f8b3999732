"""Every case state change goes through `transition()`, driven by the records of workflow.py.

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
from sqlalchemy import update

from app.accounts.auth import can_manage_street
from app.cases import workflow
from app.cases.models import Case
from app.cases.scope import handles_case
from app.cases.service import record_event
from app.core.errors import ApiError
from app.core.extensions import db
from app.jobs import followups


def invalid_transition():
    return ApiError.conflict("当前状态不能执行该操作 (invalid transition)", "invalid_transition")


def transition(*, case, action, actor, now, version=None, **params):
    """Apply `action` to `case`; returns the CaseEvent written. The caller commits.

    `version`, when given, is the version the client saw: acting on a stale page is a 409
    too. 409 `invalid_transition` for a wrong state or a lost race, 403 for a wrong role.
    Nothing is written before the compare-and-set has succeeded.
    """
    record, from_status = workflow.find(action), case.status
    outcome = record.outcome(params)
    to_status = outcome.moves.get(from_status) if outcome else None
    if to_status is None:
        raise invalid_transition()
    ensure_may(actor, case, action)
    plan = record.plan(case=case, actor=actor, now=now, **params)
    compare_and_set(case, seen=version or case.version, from_status=from_status,
                    to_status=to_status, changes=plan.changes, now=now)
    event = record_event(case=case, action=action, now=now, actor=actor, from_status=from_status,
                         to_status=to_status, note=plan.note, public=outcome.public)
    for step in plan.then:
        step(event)
    if event.public:
        # The reporters' messages are written beside the step, so neither commits alone.
        followups.record(followups.CASE_STEP_PUBLIC, event)
    return event


def ensure_may(actor, case, action):
    record = workflow.find(action)
    if actor is None:
        allowed = record.system
    elif record.who == workflow.DEPARTMENT:
        allowed = handles_case(actor, case)
    else:
        allowed = can_manage_street(actor, case.street_code)
    if not allowed:
        raise ApiError.forbidden("无权对该案件执行此操作 (not allowed for your role)")


def compare_and_set(case, *, seen, from_status, to_status, changes, now):
    """UPDATE ... WHERE id, version and status are what we read; 0 rows → somebody won."""
    stmt = (update(Case)
            .where(Case.id == case.id, Case.version == seen, Case.status == from_status)
            .values(status=to_status, updated_at=now, version=Case.version + 1, **changes)
            .execution_options(synchronize_session=False))
    if db.session.execute(stmt).rowcount != 1:
        raise invalid_transition()
    db.session.refresh(case)
