"""A case's deadline columns, set on dispatch and recounted when the calendar learns a year.

A deadline counted across a year whose holiday notice is not yet entered is provisional
(`Case.deadlines_provisional`): it was counted on the holiday regulation alone
(holidays.py). When the notice is entered (`flask cases workday`, `flask cases year`) or
a newer chinese-calendar is installed (`flask cases recompute-deadlines`), open cases with
the flag are counted again from their clock start, and the flag goes once no day of an
unknown year is involved. Only a recount clears the flag, so an extension keeps it. The
sweeper runs the recount every round (it writes only when a deadline moves), so a newer
chinese-calendar release and cases dispatched before the flag existed are caught up too.
"""
from datetime import date, time

from sqlalchemy import false, or_, select, update

from app.cases import policy
from app.cases.deadlines import due_times
from app.cases.models import OPEN_STATUSES, Case
from app.cases.service import record_event
from app.catalog.models import Category
from app.core.clock import local_text
from app.core.extensions import db

DEADLINE_LABELS = {"sign_due_at": "签收期限", "handling_due_at": "首次处置期限", "due_at": "办结期限"}


def deadline_columns(profile, dispatched_at, extended_days, calendar):
    """The case's deadline columns for a clock started at `dispatched_at`, granted
    extensions (延期) included: they were approved in working days, so they are recounted too."""
    times = due_times(profile, dispatched_at, calendar)
    due = times["completion_due"]
    if extended_days:
        due = calendar.add_working_days(due, extended_days)
    return {"sign_due_at": times["sign_due"], "handling_due_at": times["handling_due"], "due_at": due,
            "deadlines_provisional": calendar.spans_unknown_year(dispatched_at, due)}


def recompute_provisional_deadlines(now):
    """Recount every open case with provisional deadlines; the caller commits.

    Returns the ids recounted (a timeline event each) and those skipped because staff
    changed the case meanwhile (run again: nothing is lost by running twice).
    """
    calendar = policy.working_calendar()
    result = {"recomputed": [], "skipped": []}
    for case in provisional_cases(first_unknown_day(calendar, now)):
        outcome = recompute(case, now=now, calendar=calendar)
        if outcome is not None:
            result["recomputed" if outcome else "skipped"].append(case.id)
    return result


def provisional_cases(unknown_from):
    """Open cases flagged provisional, and any whose deadline lies in an unknown year
    without the flag (dispatched before the flag existed, or counted by a newer release)."""
    in_unknown_year = Case.due_at >= unknown_from if unknown_from else false()
    return db.session.scalars(select(Case).where(
        Case.status.in_(OPEN_STATUSES), Case.dispatched_at.is_not(None),
        or_(Case.deadlines_provisional.is_(True), in_unknown_year)).order_by(Case.id)).all()


def first_unknown_day(calendar, now, years_ahead=2):
    """Local midnight of 1 January of the first year from now's on that the calendar does not know."""
    this_year = calendar.local(now).year
    unknown = [y for y in range(this_year, this_year + years_ahead + 1) if not calendar.is_known_year(y)]
    return calendar.at(date(unknown[0], 1, 1), time(0)) if unknown else None


def recompute(case, *, now, calendar):
    """True when recounted, False when the case moved meanwhile, None when nothing changed."""
    profile = policy.deadline_profile(db.session.get(Category, case.category_code))
    columns = deadline_columns(profile, case.dispatched_at, case.extended_days, calendar)
    before = {name: getattr(case, name) for name in columns}
    if before == columns:
        return None
    # Guarded like a transition, but without bumping the version: a background recount
    # must not make a staff member's open page stale (as supervision.py does).
    moved = db.session.execute(
        update(Case).where(Case.id == case.id, Case.version == case.version, Case.status == case.status)
        .values(updated_at=now, **columns).execution_options(synchronize_session=False)).rowcount
    if not moved:
        return False
    db.session.refresh(case)
    record_event(case=case, action="deadlines_recomputed", now=now, note=recompute_note(before, columns))
    return True


def recompute_note(before, after):
    moves = [f"{label} {local_text(before[name])} → {local_text(after[name])}"
             for name, label in DEADLINE_LABELS.items() if before[name] != after[name]]
    outcome = "期限仍为暂定" if after["deadlines_provisional"] else "期限已按正式放假安排确定"
    return "；".join(["放假安排已更新，重新计算期限", *moves, outcome])
