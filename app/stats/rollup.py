"""The daily rollup: the additive measures per local day and street, by community and department
(stats_daily), by department (stats_daily_street) and by department and category
(stats_daily_category).

Why: a year of the district is ~400,000 cases and ~800,000 timeline events; counting them per
request takes seconds (bench/README.md), their rollup is a few hundred rows a day. Every
measure in it is additive over days, so any period sums its days. What is not additive — cases
closed early whose deadline lies beyond the period, late closures before the period's end,
repeat groups, overdue at the end of the period — is counted from `cases` by queries that
indexes keep small (queries.py).

Rebuilding days is idempotent: delete the days, insert them again from the source tables in one
INSERT … SELECT. The sweeper (jobs.py) rebuilds the days that rows changed since its last round
touch (their current times), and once a local day the trailing STATS_ROLLUP_WINDOW_DAYS, which
also catches a figure that a change moved off an older day (a rework's new deadline, a return);
`flask stats rollup --from DAY` rebuilds any range. Until the rollup covers a period, tables are
counted from the source tables directly: the same answers, slower.
"""
from datetime import date, timedelta

from sqlalchemy import and_, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.cases.models import Case, CaseEvent, CaseRating
from app.cases.policy import setting, working_calendar
from app.catalog.models import Department
from app.core.clock import local_day, local_midnight
from app.core.extensions import db
from app.reports.models import Report
from app.stats import groups
from app.stats.models import (
    NO_DEPARTMENT,
    ROLLED,
    StatsDaily,
    StatsDailyCategory,
    StatsDailyStreet,
    StatsRollupState,
)
from app.stats.queries import DISPATCH_NOTE, EVENT_ACTIONS, flag, level_note
from app.stats.sql import bucket, local_date, prefix, workday_numbers


def rebuild(first, last):
    """Days first..last (local) rebuilt from the source tables; the caller commits."""
    for table in (StatsDaily, StatsDailyStreet, StatsDailyCategory):
        db.session.execute(delete(table).where(table.day >= first, table.day <= last))
    parts = [p for p in (*case_parts(first, last), event_part(first, last), report_part(first, last),
                         rating_part(first, last)) if p is not None]
    union = union_all(*parts).subquery("parts")
    insert_summed(StatsDaily, union, ("day", "street_code", "community_code", "department_code"))
    insert_summed(StatsDailyCategory, union, ("day", "street_code", "department_code", "category_code"))
    s = StatsDaily
    insert_summed(StatsDailyStreet, select(s).where(s.day >= first, s.day <= last).subquery("fine"),
                  ("day", "street_code", "department_code"))


def insert_summed(table, rows, keys):
    summed = select(*(rows.c[k] for k in keys), *(func.sum(rows.c[m]) for m in ROLLED)).group_by(
        *(rows.c[k] for k in keys))
    db.session.execute(insert(table).from_select([*keys, *ROLLED], summed))


def state():
    row = db.session.get(StatsRollupState, 1)
    if row is None:
        row = StatsRollupState(id=1)
        db.session.add(row)
    return row


def covers(period):
    row = db.session.get(StatsRollupState, 1)
    return row is not None and row.covered_from is not None and row.covered_from <= period.first


def build(first, last, now):
    """`flask stats rollup`: rebuild a range; the rollup then covers from `first` on."""
    for start, end in chunks(first, last):
        rebuild(start, end)
    row = state()
    row.covered_from = min(first, row.covered_from) if row.covered_from else first
    row.swept_at = row.swept_at or now


def chunks(first, last, size=31):
    while first <= last:
        yield first, min(last, first + timedelta(days=size - 1))
        first += timedelta(days=size)


# --- the sweeper's round -------------------------------------------------------------------

def catch_up(now):
    """Rebuild the days touched since the last round (and the trailing window once a day)."""
    row, today = state(), local_day(now)
    window = setting("STATS_ROLLUP_WINDOW_DAYS")
    days = touched_days(row.swept_at) if row.swept_at else set()
    if row.window_day != today or row.covered_from is None:
        days |= {today - timedelta(days=n) for n in range(window)}
        row.window_day = today
    for start, end in ranges(sorted(days)):
        rebuild(start, end)
    row.covered_from = row.covered_from or today - timedelta(days=window - 1)
    row.swept_at = now
    return len(days)


def ranges(days):
    """Sorted days as (first, last) runs."""
    runs = []
    for day in days:
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [tuple(run) for run in runs]


def touched_days(since):
    """Local days of the current times of rows changed since `since`."""
    c = aliased(Case, name="c")
    times = (c.accepted_at, c.closed_at, c.due_at, c.handled_at)
    days = set()
    for col in times:
        days |= day_set(select(local_date(col)).where(c.updated_at >= since, col.is_not(None)).distinct())
    days |= day_set(select(local_date(CaseEvent.at)).where(CaseEvent.at >= since).distinct())
    days |= day_set(select(local_date(Report.created_at)).where(Report.created_at >= since).distinct())
    days |= day_set(select(local_date(CaseRating.created_at)).where(CaseRating.created_at >= since).distinct())
    return days


def day_set(query):
    return {value if isinstance(value, date) else date.fromisoformat(value) for value in db.session.scalars(query)}


# --- what one day holds ----------------------------------------------------------------------

def between(col, first, last):
    return and_(col >= local_midnight(first), col < local_midnight(last + timedelta(days=1)))


def row(day, street, community, department, category, **measures):
    """One contribution row: keys, then every rolled measure (0 unless given)."""
    return [day.label("day"), street.label("street_code"), community.label("community_code"),
            func.coalesce(department, NO_DEPARTMENT).label("department_code"), category.label("category_code"),
            *(measures.get(m, literal(0)).label(m) for m in ROLLED)]


def case_parts(first, last):
    c = aliased(Case, name="c")
    keys = (c.street_code, c.community_code, c.department_code, c.category_code)
    closed, on_time = c.status == "closed", and_(c.status == "closed", c.closed_at <= c.due_at)
    early = {f"early_{size}": flag(and_(on_time, bucket(c.due_at, size) > bucket(c.closed_at, size)))
             for size in ("day", "week", "month")}
    return [
        select(*row(local_date(c.accepted_at), *keys, accepted=literal(1))).where(between(c.accepted_at, first, last)),
        select(*row(local_date(c.closed_at), *keys, rejected=flag(c.status == "rejected"), **early))
        .where(between(c.closed_at, first, last), or_(c.status == "rejected", closed)),
        select(*row(local_date(c.due_at), *keys, due=literal(1), due_on_time=flag(on_time)))
        .where(between(c.due_at, first, last)),
        handled_part(c, keys, first, last),
    ]


def handled_part(c, keys, first, last):
    where = [between(c.handled_at, first, last), c.dispatched_at.is_not(None)]
    earliest = db.session.scalar(select(func.min(c.dispatched_at)).where(*where))
    if earliest is None:
        return None
    numbers = workday_numbers(local_day(earliest), last, working_calendar())
    sent, back = numbers.alias("sent"), numbers.alias("back")
    return (select(*row(local_date(c.handled_at), *keys, fed_back=literal(1), handling_days=back.c.n - sent.c.n))
            .select_from(c).join(sent, sent.c.day == local_date(c.dispatched_at))
            .join(back, back.c.day == local_date(c.handled_at)).where(*where))


def event_part(first, last):
    c, e, u = aliased(Case, name="c"), aliased(CaseEvent, name="e"), aliased(User, name="u")
    d = aliased(Department, name="d")
    act = lambda name: flag(e.action == name)  # noqa: E731
    levels = {f"supervised_{level}": flag(and_(e.action == "supervise",
                                               e.note.startswith(level_note(level), autoescape=True)))
              for level in ("phone", "written", "on_site", "meeting")}
    named = and_(e.action == "dispatch", e.note == literal(DISPATCH_NOTE) + d.name)
    measures = dict(dispatches=act("dispatch"), returns=act("return"), extended=act("extend"),
                    verified=act("verify"), reworked=flag(and_(e.action == "verify", e.to_status == "dispatched")),
                    supervised=act("supervise"), **levels)
    return (select(*row(local_date(e.at), c.street_code, c.community_code, groups.event_department(c, u, d),
                        c.category_code,
                        **measures))
            .select_from(e).join(c, c.id == e.case_id).outerjoin(u, u.id == e.actor_id).outerjoin(d, named)
            .where(e.action.in_(EVENT_ACTIONS), between(e.at, first, last)))


def report_part(first, last):
    r, c = aliased(Report, name="r"), aliased(Case, name="c")
    return (select(*row(local_date(r.created_at), r.street_code, prefix(r.cell_code, 12), c.department_code,
                        r.category_code,
                        received=literal(1)))
            .select_from(r).outerjoin(c, c.id == r.case_id).where(between(r.created_at, first, last)))


def rating_part(first, last):
    g, c = aliased(CaseRating, name="g"), aliased(Case, name="c")
    satisfied = flag(g.satisfaction.in_(("satisfied", "basic")))
    return (select(*row(local_date(g.created_at), c.street_code, c.community_code, c.department_code,
                        c.category_code,
                        rated=literal(1), satisfied=satisfied))
            .select_from(g).join(c, c.id == g.case_id).where(between(g.created_at, first, last)))
