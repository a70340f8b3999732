"""Post indicators (岗位考核): per collector, supervisor and cell head, and per community workstation.

Per person, over the cells they are bound to in the scope (docs/STATS.md says each in words):
- patrols, zero_reports: their collector patrols in the period, and those finished as a zero report;
- findings / valid_findings: reports filed from their patrols; those that opened a case that was
  accepted (立案) — not rejected, not merged, not attached to a case already open;
- missed (漏报): cases accepted in the period in their cells that came from the public and that no
  patrol report of the cell and category preceded, from STATS_MISSED_WINDOW_DAYS days before;
- on_time_rate: working days with a patrol of theirs signed in before the cut-off ÷ the working
  days they were due (bound by then, the day's cut-off passed);
- coverage_rate: their cells' due working days with any collector patrol ÷ their cells' due days.
Per community: cell-days with a collector patrol or zero report ÷ all cell-days (every day, as
the daily compliance counts them).
"""
from sqlalchemy import Date, and_, case, distinct, exists, func, select
from sqlalchemy import column as sql_column
from sqlalchemy.orm import aliased

from app.accounts.models import INVITABLE_ROLES, Binding
from app.cases.models import Case
from app.cases.policy import setting, working_calendar
from app.core.clock import UTCDateTime
from app.core.extensions import db
from app.grid.models import GridUnit
from app.patrols import days as patrol_days
from app.patrols.models import Patrol
from app.patrols.stats import display_names
from app.reports.models import Report
from app.stats.sql import days_before, iso, local_date, values_cte

ROLE_NAMES = {"collector": "网格采集员", "supervisor": "兼职监督员", "cell_head": "网格长"}
COLUMNS = {
    "people": [("user_id", "用户ID"), ("name", "姓名"), ("roles", "岗位"), ("cells", "负责子网格数"),
               ("patrols", "巡查次数"), ("zero_reports", "零报告数"), ("findings", "上报数"),
               ("valid_findings", "有效上报数"), ("missed", "漏报数"), ("on_time_days", "按时上报天数"),
               ("due_days", "应上报天数"), ("on_time_rate", "按时上报率"), ("covered_cell_days", "已覆盖网格·天"),
               ("due_cell_days", "应覆盖网格·天"), ("coverage_rate", "覆盖率")],
    "communities": [("code", "村居编码"), ("name", "村居"), ("cells", "子网格数"), ("cell_days", "网格·天"),
                    ("patrolled", "已巡查"), ("zero_report", "零报告"), ("compliance_rate", "零报告制度执行率")],
}


def post_stats(*, scope, period):
    through = min(period.last, patrol_days.latest_closed_day(period.now))
    bindings = bindings_in(scope)
    people = person_rows(bindings)
    for measure in (patrol_counts(scope, period), finding_counts(scope, period), missed_counts(bindings, period),
                    due_day_counts(bindings, period.first, through)):
        for user_id, values in measure.items():
            people.setdefault(user_id, empty_person(user_id)).update(values)
    return {**period.as_dict(), "scope": scope.as_dict(), "through": through.isoformat() if through >= period.first
            else None, "people": finished_people(people), "communities": communities(scope, period.first, through)}


# --- who ------------------------------------------------------------------------------

def bindings_in(scope):
    query = select(Binding.user_id, Binding.cell_code, Binding.role, Binding.created_at).where(
        Binding.role.in_(INVITABLE_ROLES))
    if scope.street_code:
        query = query.where(Binding.cell_code.startswith(scope.street_code))
    return query.subquery("b")


def person_rows(bindings):
    rows = db.session.execute(select(bindings.c.user_id, bindings.c.role, bindings.c.cell_code)).all()
    people = {}
    for user_id, role, cell_code in rows:
        person = people.setdefault(user_id, empty_person(user_id))
        person["roles"].add(role)
        person["cell_codes"].add(cell_code)
    return people


def empty_person(user_id):
    return {"user_id": user_id, "roles": set(), "cell_codes": set(), "patrols": 0, "zero_reports": 0,
            "findings": 0, "valid_findings": 0, "missed": 0, "on_time_days": 0, "due_days": 0,
            "covered_cell_days": 0, "due_cell_days": 0}


def finished_people(people):
    names = display_names(set(people))
    return [finished(person, names) for _, person in sorted(people.items())]


def finished(person, names):
    cells, roles = person.pop("cell_codes"), person.pop("roles")
    return {**person, "name": names.get(person["user_id"]), "cells": len(cells),
            "roles": "、".join(ROLE_NAMES.get(r, r) for r in sorted(roles)),
            "on_time_rate": ratio(person["on_time_days"], person["due_days"]),
            "coverage_rate": ratio(person["covered_cell_days"], person["due_cell_days"])}


def ratio(numerator, denominator):
    return round(numerator / denominator, 4) if denominator else None


# --- what they did ----------------------------------------------------------------------

def patrols_of(scope, period):
    query = select(Patrol).where(Patrol.kind == "collector", Patrol.date >= period.first, Patrol.date <= period.last)
    return query.where(Patrol.street_code == scope.street_code) if scope.street_code else query


def patrol_counts(scope, period):
    p = patrols_of(scope, period).subquery("p")
    zero = and_(p.c.status == "finished", p.c.zero_report.is_(True))
    rows = db.session.execute(select(p.c.collector_id, func.count(), func.count().filter(zero))
                              .group_by(p.c.collector_id))
    return {user_id: {"patrols": n, "zero_reports": z} for user_id, n, z in rows}


def finding_counts(scope, period):
    p = patrols_of(scope, period).subquery("p")
    r, c, earlier = aliased(Report, name="r"), aliased(Case, name="c"), aliased(Report, name="earlier")
    opened = ~exists().where(earlier.case_id == r.case_id, earlier.id < r.id)
    valid = and_(c.accepted_at.is_not(None), c.status != "merged", opened)
    rows = db.session.execute(
        select(p.c.collector_id, func.count(), func.count().filter(valid))
        .select_from(r).join(p, p.c.id == r.patrol_id).outerjoin(c, c.id == r.case_id).group_by(p.c.collector_id))
    return {user_id: {"findings": n, "valid_findings": v} for user_id, n, v in rows}


def missed_counts(bindings, period):
    c, r = aliased(Case, name="c"), aliased(Report, name="r")
    window = setting("STATS_MISSED_WINDOW_DAYS")
    reported_first = exists().where(
        r.source == "patrol", r.cell_code == c.cell_code, r.category_code == c.category_code,
        r.created_at <= c.created_at, local_date(r.created_at) >= days_before(local_date(c.created_at), window))
    rows = db.session.execute(
        select(bindings.c.user_id, func.count(distinct(c.id)))
        .select_from(c).join(bindings, bindings.c.cell_code == c.cell_code)
        .where(c.accepted_at >= period.start, c.accepted_at < period.end, c.source != "patrol", ~reported_first)
        .group_by(bindings.c.user_id))
    return {user_id: {"missed": n} for user_id, n in rows}


# --- on time and covered ----------------------------------------------------------------------

def due_days(first, through):
    """VALUES (day, cutoff) of the working days in [first, through]."""
    calendar = working_calendar()
    rows = [(day, patrol_days.cutoff_at(day)) for day in patrol_days.days_between(first, through)
            if calendar.is_workday(day)]
    if not rows:
        return None
    return values_cte("due", (sql_column("day", Date), sql_column("cutoff", UTCDateTime)), rows)


def due_day_counts(bindings, first, through):
    due = due_days(first, through) if through >= first else None
    if due is None:
        return {}
    bound = due.c.day >= local_date(bindings.c.created_at)
    on_time = exists().where(Patrol.collector_id == bindings.c.user_id, Patrol.kind == "collector",
                             Patrol.date == due.c.day, Patrol.signed_in_at < due.c.cutoff)
    covered = exists().where(Patrol.cell_code == bindings.c.cell_code, Patrol.kind == "collector",
                             Patrol.date == due.c.day)
    pairs = (select(bindings.c.user_id, bindings.c.cell_code, due.c.day, on_time.label("on_time"),
                    covered.label("covered")).select_from(bindings).join(due, bound).subquery("pairs"))
    rows = db.session.execute(select(
        pairs.c.user_id, func.count(distinct(pairs.c.day)),
        func.count(distinct(pairs.c.day)).filter(pairs.c.on_time.is_(True)),
        func.count(), func.count().filter(pairs.c.covered.is_(True))).group_by(pairs.c.user_id))
    return {user_id: {"due_days": d, "on_time_days": t, "due_cell_days": cd, "covered_cell_days": cc}
            for user_id, d, t, cd, cc in rows}


def communities(scope, first, through):
    """Per community: cell-days with a patrol or a zero report, of all its cell-days so far."""
    day_count = (through - first).days + 1 if through >= first else 0
    cells = cells_per_community(scope)
    query = (select(Patrol.community_code, Patrol.cell_code, Patrol.date, func.min(zero_flag()).label("only_zero"))
             .where(Patrol.kind == "collector", Patrol.date >= first, Patrol.date <= through)
             .group_by(Patrol.community_code, Patrol.cell_code, Patrol.date))
    if scope.street_code:
        query = query.where(Patrol.street_code == scope.street_code)
    found = query.subquery("found")
    counts = dict_rows(select(found.c.community_code, func.count(), func.sum(found.c.only_zero))
                       .group_by(found.c.community_code))
    return [community_row(code, name, n, day_count, counts.get(code, (0, 0))) for code, name, n in cells]


def zero_flag():
    return case((and_(Patrol.status == "finished", Patrol.zero_report.is_(True)), 1), else_=0)


def dict_rows(query):
    return {row[0]: (row[1], row[2] or 0) for row in db.session.execute(query)}


def cells_per_community(scope):
    cell = aliased(GridUnit, name="cell")
    query = (select(GridUnit.code, GridUnit.name, func.count(cell.code)).join(cell, cell.parent_code == GridUnit.code)
             .where(GridUnit.level == "community").group_by(GridUnit.code, GridUnit.name).order_by(GridUnit.code))
    if scope.street_code:
        query = query.where(GridUnit.parent_code == scope.street_code)
    return db.session.execute(query).all()


def community_row(code, name, cells, day_count, found):
    covered, zero_only = found
    # A cell-day with both a patrol and a zero report counts as patrolled (compliance.py's rule).
    return {"code": iso(code), "name": name, "cells": cells, "cell_days": cells * day_count,
            "patrolled": covered - zero_only, "zero_report": zero_only,
            "compliance_rate": ratio(covered, cells * day_count)}
