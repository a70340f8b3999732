"""Patrol fixtures: a frozen clock, the people of a patrol day, and small row factories.

The clock is 2024-05-08 10:00 in Shanghai (02:00 UTC), a Wednesday, before the
20:00 cut-off. It is frozen where the patrol, report and patrol-page views read the
time, so reports filed through the API land on the patrol's day.
"""
import math
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.core.extensions import db
from app.grid import datum
from app.patrols.geofence import METRES_PER_DEGREE
from app.patrols.models import Patrol
from app.reports.models import Report
from tests.factories import STREET_A, STREET_B, auth, make_collector, make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2024, 5, 8)
NOW = datetime(2024, 5, 8, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)


def at(day, hour, minute=0):
    """An aware instant at local (Shanghai) time."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def clock(monkeypatch):
    """`clock.now` is what the views see as the current time; tests move it."""
    import app.patrols.views
    import app.reports.views
    import app.web.patrols

    state = SimpleNamespace(now=NOW)
    for module in (app.patrols.views, app.reports.views, app.web.patrols):
        monkeypatch.setattr(module, "utcnow", lambda: state.now)
    return state


@pytest.fixture
def collector(world):
    return make_collector(world.cell_a, openid="o-collector-a")


@pytest.fixture
def staff_a(world):
    return make_staff(STREET_A)


@pytest.fixture
def staff_b(world):
    return make_staff(STREET_B)


# --- places -----------------------------------------------------------------------

def point_east_of(world, cell_code, metres, coord="wgs84"):
    """A point `metres` east of the cell's east edge, level with its centre."""
    west, south, east, north = world.cells[cell_code].bounds
    lat = (south + north) / 2
    lng = east + metres / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    if coord == "gcj02":
        lat, lng = datum.to_gcj02(lat, lng)
    return {"lat": lat, "lng": lng, "coord": coord}


# --- API calls ----------------------------------------------------------------------

def start(client, user, cell_code, location, **extra):
    return client.post("/api/v1/patrols", json={"cell_code": cell_code, "location": location, **extra},
                       headers=auth(user))


def finish(client, user, patrol_id, **body):
    return client.post(f"/api/v1/patrols/{patrol_id}/finish", json=body, headers=auth(user))


def compliance(client, user, **params):
    return client.get("/api/v1/inbox/patrols/compliance", query_string=params, headers=auth(user))


def statuses_by_cell(answer):
    return {cell["code"]: cell["status"] for c in answer.json["communities"] for cell in c["cells"]}


# --- rows ---------------------------------------------------------------------------

def make_report(world, user, cell_code, created_at=NOW, category_code="E0102"):
    """A report row as the report API leaves it, for tests that are not about reporting."""
    lat, lng = world.centre_wgs84(cell_code) if cell_code in world.cells else (30.9, 121.2)
    report = Report(user_id=user.id, category_code=category_code, description="路面破损", lat=lat, lng=lng,
                    coord="wgs84", wgs_lat=lat, wgs_lng=lng, cell_code=cell_code, street_code=cell_code[:9],
                    created_at=created_at)
    db.session.add(report)
    db.session.flush()
    return report


def make_patrol(user, cell_code, day=TODAY, *, zero_report=None, kind="collector", signed_in_at=None,
                findings=()):
    """A patrol row: zero_report None leaves it open, True/False finishes it."""
    signed_in_at = signed_in_at or at(day, 9)
    patrol = Patrol(collector_id=user.id, kind=kind, cell_code=cell_code, community_code=cell_code[:12],
                    street_code=cell_code[:9], date=day, signed_in_at=signed_in_at, lat=0, lng=0, coord="wgs84",
                    wgs_lat=0, wgs_lng=0, signin_distance_m=0, status="open" if zero_report is None else "finished",
                    zero_report=bool(zero_report),
                    finished_at=None if zero_report is None else signed_in_at + timedelta(hours=1))
    db.session.add(patrol)
    db.session.flush()
    for report in findings:
        report.patrol_id, report.source = patrol.id, "patrol"
    db.session.flush()
    return patrol
