"""The SQL behind the case indicators: one GROUP BY per subject, every measure a FILTERed count.

Each function answers {group key: {measure: number}} for a Scope, a Period and a grouping
(`by`: a groups.GROUPINGS name, or None for the whole scope). A row is counted by the time of
the event it measures, read from an indexed timestamp column, never by loading cases:
- cases():    立案 (accepted_at), 不予立案 (closed_at of rejected), 应结案 / 结案 / 按期结案 (due_at,
              and closed_at for cases closed early), 处置 and its working days (handled_at);
- overdue():  cases past a deadline and not done at the end of the period, per clock;
- events():   dispatches, returns, extensions, verifications, rework and supervision (case_events.at);
- reports():  受理 and repeat groups (reports.created_at); ratings(): 满意率 (case_ratings.created_at).
"""
from sqlalchemy import and_, case, distinct, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.cases.models import CLOCK_STATUSES, Case, CaseEvent, CaseRating
from app.cases.policy import setting, working_calendar
from app.cases.supervision import LEVEL_NAMES
from app.catalog.models import Department
from app.core.clock import local_day
from app.core.extensions import db
from app.reports.models import Report
from app.stats import groups
from app.stats.indicators import SUPERVISION_KINDS
from app.stats.sql import BUCKETS, bucket, constant, iso, local_date, workday_numbers

CASE_MEASURES = ("accepted", "rejected", "due", "closed", "on_time", "fed_back", "handling_days")


def within(col, period):
    return and_(col >= period.start, col < period.end)


def key_of(by, col, subject_key):
    """The group key: the bucket of this measure's own timestamp, a dimension, or one total."""
    if by in BUCKETS:
        return bucket(col, by)
    return subject_key(by) if by else constant()


def scoped(query, c, scope, department=None):
    """The scope's and the filters' WHERE clauses on a case (department: whose it is)."""
    department = department if department is not None else c.department_code
    if scope.street_code:
        query = query.where(c.street_code == scope.street_code)
    if scope.department_code:
        query = query.where(department == scope.department_code)
    if scope.category:
        query = query.where(c.category_code.startswith(scope.category))
    if scope.source:
        query = query.where(c.source.in_(groups.source_values(scope.source)))
    return query


def run(query):
    """{key: {measure: n}} from rows of (key, measures…), keys normalised."""
    rows = db.session.execute(query).mappings().all()
    return {iso(row["key"]): {k: v or 0 for k, v in row.items() if k != "key"} for row in rows}


def summed(parts, measures):
    """UNION ALL of parts that each count some measures (0 for the others), summed per key."""
    union = union_all(*parts).subquery()
    return select(union.c.key, *(func.sum(union.c[m]).label(m) for m in measures)).group_by(union.c.key)


def part(c, key, where, **counted):
    """SELECT key, one column per case measure: 1/0 per row (or the expression given)."""
    columns = [counted.get(m, literal(0)).label(m) for m in CASE_MEASURES]
    return select(key.label("key"), *columns).select_from(c).where(*where)


def flag(condition):
    return case((condition, 1), else_=0)


# --- cases --------------------------------------------------------------------------------

def cases(scope, period, by):
    c = aliased(Case, name="c")
    subject = lambda name: groups.case_key(name, c)  # noqa: E731
    k = lambda col: key_of(by, col, subject)  # noqa: E731
    parts = [
        part(c, k(c.accepted_at), [within(c.accepted_at, period)], accepted=literal(1)),
        part(c, k(c.closed_at), [c.status == "rejected", within(c.closed_at, period)], rejected=literal(1)),
        due_part(c, period, by, k),
        early_close_part(c, period, by, k),
        handled_part(c, scope, period, k),
    ]
    return run(summed([scoped(p, c, scope) for p in parts if p is not None], CASE_MEASURES))


def due_part(c, period, by, k):
    """应结案 by the completion deadline; closed by the end of its period; on time."""
    closed = c.status == "closed"
    by_end = c.closed_at < period.end  # a sub-period (a week, a month) ends at the latest with the period
    if by in BUCKETS:
        by_end = and_(by_end, bucket(c.closed_at, by) <= bucket(c.due_at, by))
    return part(c, k(c.due_at), [within(c.due_at, period)], due=literal(1),
                closed=flag(and_(closed, by_end)), on_time=flag(and_(closed, c.closed_at <= c.due_at)))


def early_close_part(c, period, by, k):
    """Closed on time in the period while the deadline lies beyond it: 应结案 here as well."""
    later = c.due_at >= period.end
    if by in BUCKETS:
        later = or_(later, bucket(c.due_at, by) > bucket(c.closed_at, by))
    where = [c.status == "closed", within(c.closed_at, period), c.closed_at <= c.due_at, later]
    return part(c, k(c.closed_at), where, due=literal(1), closed=literal(1), on_time=literal(1))


def handled_part(c, scope, period, k):
    """Fed back in the period, with working days from the (last) dispatch to the feedback."""
    where = [within(c.handled_at, period), c.dispatched_at.is_not(None)]
    first = db.session.scalar(scoped(select(func.min(c.dispatched_at)).where(*where), c, scope))
    if first is None:
        return None
    numbers = workday_numbers(local_day(first), period.last, working_calendar())
    sent, back = numbers.alias("sent"), numbers.alias("back")
    query = part(c, k(c.handled_at), where, fed_back=literal(1), handling_days=back.c.n - sent.c.n)
    return (query.join(sent, sent.c.day == local_date(c.dispatched_at))
            .join(back, back.c.day == local_date(c.handled_at)))


# --- overdue at the end of the period ---------------------------------------------------------

def overdue(scope, period, by):
    """Per clock, at the end of the period (now, for one still running), from each case's
    current deadlines: past due, dispatched by then, and not signed (or fed back) by then."""
    c, at = aliased(Case, name="c"), period.snapshot_at
    not_signed = or_(c.signed_at.is_(None), c.signed_at > at)
    not_back = or_(c.handled_at.is_(None), c.handled_at > at)
    clocks = {"overdue_sign": and_(c.sign_due_at < at, not_signed),
              "overdue_handling": and_(c.handling_due_at < at, not_back),
              "overdue_completion": and_(c.due_at < at, not_back)}
    key = key_of(by, None, lambda name: groups.case_key(name, c))
    query = (select(key.label("key"), *(func.count().filter(cond).label(m) for m, cond in clocks.items()))
             .where(late_candidates(c, period), c.dispatched_at <= at,
                    c.status.not_in(("rejected", "merged")), or_(*clocks.values()))
             .group_by(key))
    return run(scoped(query, c, scope))


def late_candidates(c, period):
    """Only these can be late: on the clock now, or fed back since the end of the period (which,
    for a period still running, nothing is: then it is one range of ix_cases_status_due)."""
    on_clock = c.status.in_(CLOCK_STATUSES)
    return on_clock if period.snapshot_at >= period.now else or_(on_clock, c.handled_at > period.snapshot_at)


# --- timeline events ------------------------------------------------------------------------------

EVENT_ACTIONS = ("dispatch", "return", "extend", "verify", "supervise")
DISPATCH_NOTE = "派遣至 "


def events(scope, period, by):
    c, e, u = aliased(Case, name="c"), aliased(CaseEvent, name="e"), aliased(User, name="u")
    d = aliased(Department, name="d")
    department = groups.event_department(c, u, d)
    key = key_of(by, e.at, lambda name: groups.event_key(name, c, u, d))
    # plans.dispatch notes "派遣至 <department name>": the department a later return took away.
    named = and_(e.action == "dispatch", e.note == literal(DISPATCH_NOTE) + d.name)
    query = (select(key.label("key"), *event_measures(e))
             .select_from(e).join(c, c.id == e.case_id).outerjoin(u, u.id == e.actor_id).outerjoin(d, named)
             .where(e.action.in_(EVENT_ACTIONS), within(e.at, period)).group_by(key))
    return run(scoped(query, c, scope, department=department))


def event_measures(e):
    act = lambda name: e.action == name  # noqa: E731
    return [
        func.count().filter(act("dispatch")).label("dispatches"),
        func.count().filter(act("return")).label("returns"),
        func.count().filter(act("extend")).label("extended"),
        func.count().filter(act("verify")).label("verified"),
        # A failed verification sends the case back to the department (handled → dispatched).
        func.count().filter(and_(act("verify"), e.to_status == "dispatched")).label("reworked"),
        func.count().filter(act("supervise")).label("supervised"),
        *(func.count().filter(and_(act("supervise"), e.note.startswith(level_note(level), autoescape=True)))
          .label(f"supervised_{level}") for level, _ in SUPERVISION_KINDS),
    ]


def level_note(level):
    return f"{LEVEL_NAMES.get(level, level)}："


# --- reports and ratings ----------------------------------------------------------------------------

def reports(scope, period, by):
    r, c = aliased(Report, name="r"), aliased(Case, name="c")
    key = key_of(by, r.created_at, lambda name: groups.report_key(name, r, c))
    repeat = c.report_count >= setting("STATS_REPEAT_MIN_REPORTS")
    query = (select(key.label("key"), func.count().label("received"),
                    func.count(distinct(r.case_id)).filter(repeat).label("repeat_groups"))
             .select_from(r).outerjoin(c, c.id == r.case_id)
             .where(within(r.created_at, period)).group_by(key))
    return run(report_scoped(query, r, c, scope))


def report_scoped(query, r, c, scope):
    # A report is the district's, its street's and its category's from the moment it arrives;
    # a department's only once its case has been dispatched there.
    if scope.street_code:
        query = query.where(r.street_code == scope.street_code)
    if scope.department_code:
        query = query.where(c.department_code == scope.department_code)
    if scope.category:
        query = query.where(r.category_code.startswith(scope.category))
    if scope.source:
        query = query.where(r.source.in_(groups.source_values(scope.source)))
    return query


def ratings(scope, period, by):
    g, c = aliased(CaseRating, name="g"), aliased(Case, name="c")
    key = key_of(by, g.created_at, lambda name: groups.case_key(name, c))
    query = (select(key.label("key"), func.count().label("rated"),
                    func.count().filter(g.satisfaction.in_(("satisfied", "basic"))).label("satisfied"))
             .select_from(g).join(c, c.id == g.case_id).where(within(g.created_at, period)).group_by(key))
    return run(scoped(query, c, scope))


# --- 高发问题 ---------------------------------------------------------------------------------------

def top(scope, period, column, limit):
    """The categories (or cells) with the most cases accepted in the period (limit None: all of them)."""
    c = aliased(Case, name="c")
    key = getattr(c, column)
    query = (select(key.label("key"), func.count().label("accepted")).where(within(c.accepted_at, period))
             .group_by(key).order_by(func.count().desc(), key).limit(limit))
    return [(row.key, row.accepted) for row in db.session.execute(scoped(query, c, scope))]


def trend(scope, period):
    """Cases accepted per local day and source group: the overview's trend chart."""
    c = aliased(Case, name="c")
    day, source = bucket(c.accepted_at, "day"), groups.source_group(c.source)
    query = (select(day.label("day"), source.label("source"), func.count().label("n"))
             .where(within(c.accepted_at, period)).group_by(day, source))
    return [(iso(row.day), row.source, row.n) for row in db.session.execute(scoped(query, c, scope))]
