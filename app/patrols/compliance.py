"""Which cells were patrolled, zero-reported or missed, per local day.

Only collectors' patrols count: compliance watches the daily duty of the people
bound to each cell, and a department's visit does not discharge it. A signed-in
patrol counts as patrolled even before it is finished: the sign-in on the spot is
the proof of presence; a zero report is a finished patrol marked so. When a cell
has both, patrolled wins.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.core.errors import ApiError
from app.core.extensions import db
from app.grid import service as grid_service
from app.grid.models import GridUnit
from app.patrols import days
from app.patrols.models import Patrol


@dataclass(frozen=True)
class CellRow:
    code: str
    name: str
    community_code: str
    community_name: str
    street_code: str


# --- which street -----------------------------------------------------------------

def street_for(*, user, street_code=None):
    """Street staff see their own street; admins pick one (or default to their own)."""
    if user.staff_role == "staff":
        if street_code not in (None, user.street_code):
            raise ApiError.forbidden("只能查看本街镇的巡查情况 (not your street)", "not_your_street")
        return street_unit(user.street_code)
    if user.staff_role == "admin" and (street_code or user.street_code):
        return street_unit(street_code or user.street_code)
    if user.staff_role == "admin":
        raise ApiError.bad_request("请指定街镇 street 参数 (street required)", "street_required",
                                   fields={"street": ["required"]})
    raise ApiError.forbidden()


def street_unit(code):
    return grid_service.get_unit(code, "street")


# --- cells and statuses -----------------------------------------------------------

def cells_of(street_code=None):
    """Every cell (of one street, or of the district), ordered by code."""
    community = aliased(GridUnit)
    query = (select(GridUnit.code, GridUnit.name, community.code, community.name, community.parent_code)
             .join(community, GridUnit.parent_code == community.code)
             .where(GridUnit.level == "cell", GridUnit.retired_at.is_(None)).order_by(GridUnit.code))
    if street_code is not None:
        query = query.where(community.parent_code == street_code)
    return [CellRow(*row) for row in db.session.execute(query)]


def statuses(*, start, end, street_code=None, signed_in_before=None):
    """{(date, cell_code): "patrolled" | "zero_report"}; absent cells are missing."""
    query = select(Patrol.date, Patrol.cell_code, Patrol.status, Patrol.zero_report).where(
        Patrol.kind == "collector", Patrol.date >= start, Patrol.date <= end)
    if street_code is not None:
        query = query.where(Patrol.street_code == street_code)
    if signed_in_before is not None:
        query = query.where(Patrol.signed_in_at < signed_in_before)
    found = {}
    for day, cell_code, status, zero_report in db.session.execute(query):
        is_zero = status == "finished" and zero_report
        if not is_zero or (day, cell_code) not in found:
            found[(day, cell_code)] = "zero_report" if is_zero else "patrolled"
    return found


def status_of(found, day, cell_code):
    return found.get((day, cell_code), "missing")


# --- the answers --------------------------------------------------------------------

def daily_compliance(*, street, day):
    """{date, street, cutoff, communities: [{code, name, counts, cells: [{code, name, status}]}]}."""
    found = statuses(start=day, end=day, street_code=street.code)
    communities = {}
    for cell in cells_of(street.code):
        community = communities.setdefault(cell.community_code, {
            "code": cell.community_code, "name": cell.community_name, "cells": []})
        community["cells"].append({"code": cell.code, "name": cell.name,
                                   "status": status_of(found, day, cell.code)})
    for community in communities.values():
        community["counts"] = count_statuses(c["status"] for c in community["cells"])
    return {"date": day.isoformat(), "street": {"code": street.code, "name": street.name},
            "cutoff": days.cutoff_at(day).isoformat(), "communities": list(communities.values())}


def count_statuses(values):
    counts = {"patrolled": 0, "zero_report": 0, "missing": 0}
    for value in values:
        counts[value] += 1
    counts["total"] = sum(counts.values())
    return counts


def week_table(*, street, end):
    """Seven days ending at `end`: per community, cells patrolled or zero-reported / all cells."""
    dates = days.days_between(end - timedelta(days=6), end)
    found = statuses(start=dates[0], end=end, street_code=street.code)
    rows = {}
    for cell in cells_of(street.code):
        row = rows.setdefault(cell.community_code, {"code": cell.community_code, "name": cell.community_name,
                                                    "total": 0, "done": [0] * len(dates)})
        row["total"] += 1
        for n, day in enumerate(dates):
            row["done"][n] += status_of(found, day, cell.code) != "missing"
    return {"dates": [d.isoformat() for d in dates], "communities": list(rows.values())}
