"""The scheduled sweep: supervise (督办) overdue cases and remind before due times.

Run it as often as you like (the worker's scheduler, or `flask cases sweep`): it only
ever raises a supervision level and writes at most one reminder per case per local day.
"""
from datetime import datetime, time, timedelta

from sqlalchemy import select, update

from app.cases import policy
from app.cases.deadlines import reminder_times
from app.cases.models import CLOCK_STATUSES, Case, CaseEvent, overdue_clause
from app.cases.service import record_event
from app.core.extensions import db

LEVEL_NAMES = {"phone": "电话督办", "written": "书面督办", "on_site": "现场督办", "meeting": "会议督办"}
# Reminders never need a window wider than this: 3 working days fit in it across any holiday.
REMINDER_HORIZON = timedelta(days=30)


def flag_overdue_and_remind(now):
    """Returns the ids of cases supervised and reminded in this run; the caller commits."""
    calendar = policy.working_calendar()
    supervised = [c.id for c in overdue_cases(now) if supervise(c, now=now, calendar=calendar)]
    reminded = [c.id for c in reminder_candidates(now) if remind(c, now=now, calendar=calendar)]
    return {"supervised": supervised, "reminded": reminded}


def overdue_cases(now):
    return db.session.scalars(select(Case).where(overdue_clause(now)).order_by(Case.id)).all()


def reminder_candidates(now):
    return db.session.scalars(select(Case).where(
        Case.status.in_(CLOCK_STATUSES), Case.due_at > now, Case.due_at <= now + REMINDER_HORIZON)
        .order_by(Case.id)).all()


def supervision_level(days_overdue):
    level = None
    for threshold, name in policy.setting("CASE_SUPERVISION_LEVELS"):
        if days_overdue >= threshold:
            level = name
    return level


def level_rank(level):
    names = [name for _, name in policy.setting("CASE_SUPERVISION_LEVELS")]
    return names.index(level) if level in names else -1


def supervise(case, *, now, calendar):
    days_overdue = max(0, calendar.working_days_between(case.due_at, now))
    level = supervision_level(days_overdue)
    if level is None or level_rank(level) <= level_rank(case.supervision):
        return False
    # Guarded like a transition, but without bumping the version: a background flag must
    # not make a staff member's open page stale. A case that moved meanwhile waits a run.
    moved = db.session.execute(
        update(Case).where(Case.id == case.id, Case.version == case.version, Case.status == case.status)
        .values(supervision=level, updated_at=now).execution_options(synchronize_session=False)).rowcount
    if not moved:
        return False
    db.session.refresh(case)
    record_event(case=case, action="supervise", now=now,
                 note=f"{LEVEL_NAMES.get(level, level)}：超期 {days_overdue} 个工作日")
    return True


def remind(case, *, now, calendar):
    today = calendar.local(now).date()
    due_today = [m for m in reminder_times(case.due_at, calendar, policy.setting("CASE_REMINDER_DAYS"))
                 if calendar.local(m).date() == today and m <= now]
    if not due_today or reminded_since(case, calendar.at(today, time(0))):
        return False
    days_left = calendar.working_days_between(now, case.due_at)
    record_event(case=case, action="remind", now=now, note=f"距办理期限还有 {days_left} 个工作日")
    return True


def reminded_since(case, moment: datetime):
    query = select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "remind", CaseEvent.at >= moment)
    return db.session.scalar(query.limit(1)) is not None
