"""Where a processed report goes: onto an open case about the same problem, or a new case.

Routing is data: the cell (from the grid) gives the street whose inbox owns the
case; duplicates are the same category within a radius and a time window.
"""
import math

from sqlalchemy import select

from app.cases.models import OPEN_STATUSES, Case
from app.cases.service import attach_report, open_case_for_report
from app.core.extensions import db
from app.grid.models import GridUnit

METRES_PER_DEGREE_LAT = 111_320


def route_report(*, report, radius_m, window, now):
    """Attach the report to the nearest matching open case, or open one; returns the case."""
    lock_street(report.street_code)
    duplicate = nearest_open_case(report=report, radius_m=radius_m, since=now - window)
    if duplicate is not None:
        return attach_report(case=duplicate, report=report, now=now)
    community_code = db.session.get(GridUnit, report.cell_code).parent_code
    return open_case_for_report(report=report, community_code=community_code, now=now)


def lock_street(street_code):
    # Serialises case creation per street (PostgreSQL row lock), so two workers
    # processing two reports of one pothole cannot open two cases for it.
    db.session.execute(select(GridUnit.code).where(GridUnit.code == street_code).with_for_update())


def nearest_open_case(*, report, radius_m, since):
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlng = dlat / math.cos(math.radians(report.wgs_lat))
    candidates = db.session.scalars(
        select(Case).where(
            Case.category_code == report.category_code,
            Case.status.in_(OPEN_STATUSES),
            Case.created_at >= since,
            Case.wgs_lat.between(report.wgs_lat - dlat, report.wgs_lat + dlat),
            Case.wgs_lng.between(report.wgs_lng - dlng, report.wgs_lng + dlng),
        )).all()
    in_reach = [(metres_between(report, case), case.id, case) for case in candidates]
    in_reach = [item for item in in_reach if item[0] <= radius_m]
    return min(in_reach)[2] if in_reach else None


def metres_between(a, b):
    """Equirectangular distance: exact enough at 50 m and far cheaper than haversine."""
    mean_lat = math.radians((a.wgs_lat + b.wgs_lat) / 2)
    dy = (a.wgs_lat - b.wgs_lat) * METRES_PER_DEGREE_LAT
    dx = (a.wgs_lng - b.wgs_lng) * METRES_PER_DEGREE_LAT * math.cos(mean_lat)
    return math.hypot(dx, dy)
