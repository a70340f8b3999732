"""Case measures from the daily rollup, for the groupings and filters its keys carry, plus the
few counted from `cases` directly because they depend on where the period ends.

With P = [start, end) and, for a table by time, each sub-period b of it ending at
e_b = min(end of b, end):
- 应结案 = due in b (rollup) + E(b);  结案 = due in b and closed on time (rollup) + L(b) + E(b);
  按期结案 = due in b and closed on time (rollup) + E(b), where
- E(b): closed on time in b with the deadline at or after e_b. For a whole day, week or month
  inside P the rollup has it (early_day / early_week / early_month: deadline in a later one);
  for the sub-period that P's end cuts, and for a table not by time, it is counted here: the
  deadline lies in [end, end + the longest completion time] (it was set at the latest dispatch,
  before the closure), a short range of the due_at index.
- L(b): due in b, closed late but before e_b (the partial index of late closures).
Repeat groups and overdue are counted as in queries.py.
"""
from datetime import timedelta

from sqlalchemy import Date, and_, case, cast, func, literal_column, select
from sqlalchemy.orm import aliased

from app.cases.models import Case
from app.cases.policy import setting, working_calendar
from app.catalog.models import Category
from app.core.clock import local_midnight
from app.core.extensions import db
from app.reports.models import Report
from app.stats import groups, queries
from app.stats.groups import bucket_start, next_bucket
from app.stats.models import NO_DEPARTMENT, ROLLED, StatsDaily, StatsDailyCategory, StatsDailyStreet
from app.stats.sql import BUCKETS, bucket, constant, dialect

GROUPINGS = ("street", "community", "department", "kind", "major", "category", *BUCKETS)
BY_CATEGORY = ("kind", "major", "category")
# Written out, not bound: PostgreSQL uses a partial index only when it can see its predicate.
CLOSED = literal_column("c.status = 'closed'")


def supports(scope, group_by):
    # No rollup has both the community and the category.
    return (group_by in GROUPINGS and scope.source is None
            and not (group_by == "community" and scope.category is not None))


def measured(scope, period, by, days=None):
    """{key: {measure: n}}, the same measures queries.py counts (`days`: the rollup's sums, when
    the caller has them already)."""
    rows = days if days is not None else summed_days(scope, period, by)
    extras = (early_closes(scope, period, by), late_closes(scope, period, by), repeat_groups(scope, period, by))
    keys = set(rows).union(*extras)
    return {key: combined(rows.get(key, {}), *(extra.get(key, 0) for extra in extras)) for key in keys}


def whole(days):
    """The rollup's sums of a table by time, for its total: they add up over the sub-periods
    (only the early closures are per sub-period, and the total counts its own)."""
    total = {m: sum(row.get(m, 0) for row in days.values()) for m in ROLLED if not m.startswith("early_")}
    return {"*": total | {"early": 0}}


def combined(row, early, late, repeat):
    row = {m: row.get(m, 0) for m in (*ROLLED, "early")} | {"repeat_groups": repeat}
    early += row.pop("early")  # the rollup's whole sub-periods, and the rest counted from cases
    row["due"] += early
    row["closed"] = row["due_on_time"] + late + early
    row["on_time"] = row["due_on_time"] + early
    return row


# --- the rollup ------------------------------------------------------------------------------

def day_key(by, s):
    if by in BUCKETS:
        return day_bucket(s.day, by)
    if by == "department":
        return func.nullif(s.department_code, NO_DEPARTMENT)
    if by == "community":
        return s.community_code
    if by in BY_CATEGORY:
        return groups.category_keys(s.category_code)[by]
    return s.street_code if by == "street" else constant()


def day_bucket(col, size):
    if size == "day":
        return col
    if dialect() == "postgresql":
        return cast(func.date_trunc(size, col), Date)
    return func.date(col, "weekday 0", "-6 days") if size == "week" else func.date(col, "start of month")


def in_scope(query, s, scope):
    if scope.street_code:
        query = query.where(s.street_code == scope.street_code)
    if scope.department_code:
        query = query.where(s.department_code == scope.department_code)
    if scope.category:
        query = query.where(s.category_code.startswith(scope.category, autoescape=True))
    return query


def table_for(scope, by):
    """The smallest rollup with the keys the table needs."""
    if by == "community":
        return StatsDaily
    return StatsDailyCategory if by in BY_CATEGORY or scope.category else StatsDailyStreet


def summed_days(scope, period, by):
    s = aliased(table_for(scope, by), name="s")
    key = day_key(by, s)
    early = early_column(s, period, by)
    sums = (func.sum(getattr(s, m)).label(m) for m in ROLLED if not m.startswith("early_"))
    query = (select(key.label("key"), *sums, early.label("early"))
             .where(s.day >= period.first, s.day <= period.last).group_by(key))
    return queries.run(in_scope(query, s, scope))


def early_column(s, period, by):
    """E of the whole sub-periods: summed from the rollup, up to the one P's end cuts."""
    if by not in BUCKETS:
        return func.sum(0)
    cut = partial_start(period, by)
    column = getattr(s, f"early_{by}")
    return func.sum(case((s.day < cut, column), else_=0)) if cut else func.sum(column)


def partial_start(period, size):
    """The first day of the last sub-period when P's end falls inside it (else None)."""
    start = bucket_start(period.last, size)
    return start if next_bucket(start, size) > period.last + timedelta(days=1) else None


# --- counted from cases -------------------------------------------------------------------------

def case_key(by, c, col):
    return bucket(col, by) if by in BUCKETS else (groups.case_key(by, c) if by else constant())


def early_closes(scope, period, by):
    """E where the rollup cannot have it: closed on time from `raw_start` on, due at or after P's end."""
    raw_start = period.start if by not in BUCKETS else None
    if by in BUCKETS:
        cut = partial_start(period, by)
        if cut is None:
            return {}
        raw_start = max(period.start, local_midnight(cut))
    c = aliased(Case, name="c")
    key = case_key(by, c, c.closed_at)
    latest_due = working_calendar().add_working_days(period.end, longest_completion_days())
    query = (select(key.label("key"), func.count().label("n"))
             .where(c.due_at >= period.end, c.due_at <= latest_due, CLOSED,
                    c.closed_at >= raw_start, c.closed_at < period.end, c.closed_at <= c.due_at).group_by(key))
    return counts(queries.scoped(query, c, scope))


def longest_completion_days():
    longest = db.session.scalar(select(func.max(Category.completion_days))) or 0
    return longest + setting("CASE_MAX_EXTENSION_DAYS") + 1


def late_closes(scope, period, by):
    """L: due in the (sub-)period, closed after the deadline but before the (sub-)period ends."""
    c = aliased(Case, name="c")
    key = case_key(by, c, c.due_at)
    by_end = c.closed_at < period.end
    if by in BUCKETS:
        by_end = and_(by_end, bucket(c.closed_at, by) <= bucket(c.due_at, by))
    query = (select(key.label("key"), func.count().label("n"))
             .where(CLOSED, c.closed_at > c.due_at, queries.within(c.due_at, period), by_end)
             .group_by(key))
    return counts(queries.scoped(query, c, scope))


def repeat_groups(scope, period, by):
    """Cases with enough reports, one of them in the (sub-)period: few, found by report_count."""
    c, r = aliased(Case, name="c"), aliased(Report, name="r")
    key = case_key(by, c, r.created_at)
    query = (select(key.label("key"), func.count(c.id.distinct()).label("n")).select_from(c)
             .join(r, r.case_id == c.id)
             .where(c.report_count >= setting("STATS_REPEAT_MIN_REPORTS"), queries.within(r.created_at, period))
             .group_by(key))
    return counts(queries.scoped(query, c, scope))


def counts(query):
    return {key: values["n"] for key, values in queries.run(query).items()}


def top_categories(scope, period, limit):
    """queries.top(…, "category_code", …) from the category rollup."""
    s = aliased(StatsDailyCategory, name="s")
    accepted = func.sum(s.accepted)
    query = (select(s.category_code.label("key"), accepted.label("accepted"))
             .where(s.day >= period.first, s.day <= period.last).group_by(s.category_code)
             .having(accepted > 0).order_by(accepted.desc(), s.category_code).limit(limit))
    return [(row.key, row.accepted) for row in db.session.execute(in_scope(query, s, scope))]
