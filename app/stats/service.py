"""One statistics table: the indicators of indicators.py per group of a grouping, plus the total,
for a Scope over a Period; and the 高发问题 (top categories and cells). Nothing here commits.

The measures come from the GROUP BY queries of queries.py; this module only merges their rows
by key, labels the keys and turns measures into figures. For a grouping by place, department,
category or source each case (and each of its acts) falls in exactly one group, so the total
is the sum of the rows; for a grouping by time it is not (a case due in one week and closed in
the next is 应结案 in both), so there the total is counted again over the whole period.

The counts come from the daily rollup (rolled.py) when it covers the period and carries the
grouping and filters (place down to the community, department, time), else from the source
tables (queries.py): the same figures either way (tests/stats/test_rollup.py).
"""
from collections import defaultdict

from flask import current_app

from app.catalog.models import Category
from app.core.extensions import db
from app.grid.models import GridUnit
from app.stats import groups, queries, rolled, rollup
from app.stats.groups import GROUPINGS
from app.stats.indicators import describe, figures

PER_GROUP = (queries.cases, queries.events, queries.reports, queries.ratings)
ROLLED = (rolled.measured,)


def case_stats(*, scope, period, group_by):
    grouping = GROUPINGS[group_by]
    counters = sources(scope, period, group_by)
    if grouping.time and counters == ROLLED:
        measures, total = rolled_by_time(scope, period, group_by)
    else:
        measures = measured(counters, scope, period, group_by, with_overdue=not grouping.time)
        total = summed(measures) if not grouping.time else measured(counters, scope, period, None, True).get("*", {})
    return {
        **period.as_dict(), "group_by": group_by, "group_label": grouping.label, "scope": scope.as_dict(),
        "indicators": describe(),
        "rows": table_rows(grouping, scope, period, measures),
        "total": {"key": None, "label": "合计", "figures": figures(total)},
    }


def top_problems(*, scope, period):
    """高发问题: the categories and cells with the most cases accepted in the period."""
    return {**period.as_dict(), "scope": scope.as_dict(), "top_categories": top_categories(scope, period),
            "top_cells": top_cells(scope, period)}


def sources(scope, period, group_by):
    """The daily rollup where it has the grouping, the filters and the days; else the tables."""
    if rolled.supports(scope, group_by) and rollup.covers(period):
        return ROLLED
    return PER_GROUP


def rolled_by_time(scope, period, group_by):
    """A table by time from the rollup: its total sums the sub-periods' rollup rows (they add up)
    instead of reading them again; the early and late closures, repeat groups and overdue it
    counts for the whole period."""
    days = rolled.summed_days(scope, period, group_by)
    total = rolled.measured(scope, period, None, days=rolled.whole(days)).get("*", {})
    total.update(queries.overdue(scope, period, None).get("*", {}))
    return rolled.measured(scope, period, group_by, days=days), total


def measured(counters, scope, period, by, with_overdue):
    """{key: {measure: n}} merged across the queries."""
    merged = defaultdict(dict)
    for query in counters + ((queries.overdue,) if with_overdue else ()):
        for key, values in query(scope, period, by).items():
            merged[key].update(values)
    return merged


def summed(measures):
    total = defaultdict(int)
    for values in measures.values():
        for name, value in values.items():
            total[name] += value
    return total


def table_rows(grouping, scope, period, measures):
    listed = groups.universe(grouping.name, scope, period)
    keys = listed + sorted((k for k in measures if k not in set(listed)), key=lambda k: (k is None, k or ""))
    names = groups.labels(grouping.name, scope)
    return [{"key": key, "label": row_label(grouping, names, key),
             "figures": figures(measures.get(key, {}), snapshots=not grouping.time)} for key in keys]


def row_label(grouping, names, key):
    if grouping.time:
        return groups.bucket_label(key, grouping.name)
    return names.get(key, key if key is not None else "—")


def top_categories(scope, period):
    limit = current_app.config["STATS_TOP_N"]
    if scope.source is None and rollup.covers(period):
        rows = rolled.top_categories(scope, period, limit)
    else:
        rows = queries.top(scope, period, "category_code", limit)
    names = {c.code: f"{c.major_name} · {c.minor_name}" for c in
             db.session.scalars(db.select(Category).where(Category.code.in_([k for k, _ in rows])))}
    return [{"code": code, "name": names.get(code, code), "accepted": n} for code, n in rows]


def top_cells(scope, period):
    rows = queries.top(scope, period, "cell_code", current_app.config["STATS_TOP_N"])
    names = dict(db.session.execute(db.select(GridUnit.code, GridUnit.name)
                                    .where(GridUnit.code.in_([k for k, _ in rows]))).all())
    return [{"code": code, "name": names.get(code, code), "accepted": n} for code, n in rows]
