"""The dimensions a table is grouped by (group_by=), their SQL key per subject and their labels.

Subjects: a case row `c`; a report row `r` (with its case `c`, for the department); a timeline
event (with its case `c` and the acting user `u`). Each grouping gives one key expression per
subject, so every query groups by one column. Category codes carry their kind and major class
in their first letters (C0101 → kind C, major C01), so those groupings need no join.

Time groupings (day, week, month) key each figure by the local day of its own event: 立案 by
the accept time, 结案 by the close time, 应结案 by the due time (see queries.py).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select

from app.catalog.models import Category, Department
from app.core.extensions import db
from app.grid.models import GridUnit
from app.stats.sql import BUCKETS, iso, prefix

SOURCE_GROUPS = {  # group → (label, Report.source values)
    "miniprogram": ("小程序", ("miniprogram",)),
    "official_account": ("公众号", ("official_account",)),
    "patrol": ("巡查上报", ("patrol",)),
    "partner": ("合作平台", ("open311",)),
    "video": ("视频监控", ("video",)),  # no channel writes it yet: the group is listed at 0
}
KIND_NAMES = {"C": "部件", "E": "事件"}
UNASSIGNED = "未派遣"


@dataclass(frozen=True)
class Grouping:
    name: str
    label: str
    time: bool = False


GROUPINGS = {g.name: g for g in (
    Grouping("street", "街镇"), Grouping("community", "村居"), Grouping("cell", "子网格"),
    Grouping("department", "承办单位"), Grouping("kind", "大类（部件/事件）"), Grouping("major", "大类"),
    Grouping("category", "小类"), Grouping("source", "来源"),
    Grouping("day", "按日", time=True), Grouping("week", "按周", time=True), Grouping("month", "按月", time=True),
)}


def source_group(col):
    return case({raw: group for group, (_, raws) in SOURCE_GROUPS.items() for raw in raws}, value=col, else_=col)


def source_values(group):
    return SOURCE_GROUPS[group][1]


def case_key(name, c):
    return {"street": c.street_code, "community": c.community_code, "cell": c.cell_code,
            "department": c.department_code, **category_keys(c.category_code), "source": source_group(c.source)}[name]


def report_key(name, r, c):
    return {"street": r.street_code, "community": prefix(r.cell_code, 12), "cell": r.cell_code,
            "department": c.department_code, **category_keys(r.category_code), "source": source_group(r.source)}[name]


def event_department(c, u, d):
    """Whose an event is: the acting handler's department (a return clears the case's, so the
    handler who returned it says whose it was), the one a dispatch named, else the case's."""
    return func.coalesce(u.department_code, d.code, c.department_code)


def event_key(name, c, u, d):
    return event_department(c, u, d) if name == "department" else case_key(name, c)


def category_keys(col):
    return {"kind": prefix(col, 1), "major": prefix(col, 3), "category": col}


# --- the rows a table lists, zeros included, and their labels ----------------------------

def universe(name, scope, period):
    """Every key a complete table lists, in order: the scope's units, all departments, …"""
    if name in BUCKETS:
        return bucket_keys(name, period.first, period.last)
    if name in ("street", "community", "cell"):
        return [code for code, _ in units(name, scope)]
    if name == "department":
        return [code for code, _ in departments(scope)]
    if name == "source":
        return list(SOURCE_GROUPS)
    return [code for code, _ in category_labels(name, scope)]


def labels(name, scope):
    """key → label for a grouping (time keys label themselves)."""
    if name in ("street", "community", "cell"):
        return dict(units(name, scope))
    if name == "department":
        return {**dict(departments(scope)), None: UNASSIGNED}
    if name == "source":
        return {group: label for group, (label, _) in SOURCE_GROUPS.items()}
    if name in BUCKETS:
        return {}
    return dict(category_labels(name, scope))


def units(level, scope):
    query = select(GridUnit.code, GridUnit.name).where(GridUnit.level == level).order_by(GridUnit.code)
    if scope.street_code:
        query = query.where(GridUnit.code.startswith(scope.street_code))
    return db.session.execute(query).all()


def departments(scope):
    query = select(Department.code, Department.name).where(Department.active.is_(True)).order_by(Department.code)
    if scope.department_code:
        query = query.where(Department.code == scope.department_code)
    return db.session.execute(query).all()


def category_labels(name, scope):
    rows = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)).all()
    if scope.category:
        rows = [c for c in rows if c.code.startswith(scope.category)]
    if name == "kind":
        return list({c.code[0]: KIND_NAMES[c.code[0]] for c in rows}.items())
    if name == "major":
        return list({c.code[:3]: f"{KIND_NAMES[c.code[0]]} · {c.major_name}" for c in rows}.items())
    return [(c.code, f"{c.major_name} · {c.minor_name}") for c in rows]


def bucket_keys(size, first, last):
    keys, day = [], bucket_start(first, size)
    while day <= last:
        keys.append(day.isoformat())
        day = next_bucket(day, size)
    return keys


def bucket_start(day, size):
    if size == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if size == "month" else day


def next_bucket(day, size):
    if size == "month":
        return (day + timedelta(days=32)).replace(day=1)
    return day + timedelta(days=7 if size == "week" else 1)


def bucket_label(key, size):
    day = date.fromisoformat(iso(key))
    if size == "month":
        return f"{day:%Y-%m}"
    if size == "week":
        return f"{day.isoformat()} 起（第 {day.isocalendar().week} 周）"
    return day.isoformat()
