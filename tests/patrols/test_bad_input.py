"""Every bad input of the patrol issue gets a fitting 4xx with a stable code, and writes nothing."""
from datetime import timedelta

import pytest

from app.core.extensions import db
from app.patrols.models import Patrol
from app.reports.models import Report
from tests.factories import STREET_A, STREET_B, auth, make_collector, make_resident, make_staff
from tests.patrols.conftest import (
    TODAY,
    at,
    compliance,
    finish,
    make_patrol,
    make_report,
    point_east_of,
    start,
)


def error_of(answer):
    return answer.status_code, answer.json["error"]["code"]


# --- who may patrol --------------------------------------------------------------------

def test_a_collector_of_another_cell_is_refused_with_403(client, world, clock):
    stranger = make_collector(world.cell_b, "o-collector-b")
    answer = start(client, stranger, world.cell_a, world.location(world.cell_a))
    assert error_of(answer) == (403, "not_cell_collector")
    assert db.session.query(Patrol).count() == 0


@pytest.mark.parametrize("maker", [
    lambda world: make_resident("o-plain"),
    lambda world: make_resident("o-home", home_cell=world.cell_a),
    lambda world: make_staff(STREET_A),
    lambda world: make_staff(None, role="admin", username="district-admin"),
], ids=["a resident", "a resident living in the cell", "street staff", "a district admin"])
def test_people_without_a_collector_role_in_the_cell_are_refused(client, world, clock, maker):
    assert error_of(start(client, maker(world), world.cell_a, world.location(world.cell_a)))[0] == 403


@pytest.mark.parametrize("role", ["collector", "supervisor", "cell_head"])
def test_every_collector_type_role_may_patrol_its_cell(client, world, clock, role):
    user = make_collector(world.cell_a, f"o-{role}", role=role)
    assert start(client, user, world.cell_a, world.location(world.cell_a)).status_code == 201


def test_an_unknown_cell_is_a_404(client, world, clock, collector):
    answer = start(client, collector, "310116101201999", world.location(world.cell_a))
    assert error_of(answer) == (404, "unknown_cell")


def test_patrolling_without_signing_in_is_a_401(client, world):
    answer = client.post("/api/v1/patrols", json={"cell_code": world.cell_a, "location": world.location(world.cell_a)})
    assert answer.status_code == 401


# --- where ------------------------------------------------------------------------------

def test_a_sign_in_far_outside_the_cell_is_a_422_with_the_distance(client, world, clock, collector):
    answer = start(client, collector, world.cell_a, point_east_of(world, world.cell_a, 1500))
    assert error_of(answer) == (422, "signin_too_far")
    distance = answer.json["error"]["fields"]["distance_m"]
    assert isinstance(distance, int) and 1499 <= distance <= 1501
    assert f"{distance} 米" in answer.json["error"]["message"]
    assert db.session.query(Patrol).count() == 0


def test_the_sign_in_point_is_converted_from_its_datum_before_measuring(client, world, clock, collector):
    # In Jinshan GCJ-02 lies ~490 m from WGS-84, more than the buffer: the datum must be honoured.
    as_wgs84 = start(client, collector, world.cell_a, point_east_of(world, world.cell_a, 400, coord="wgs84"))
    as_gcj02 = start(client, collector, world.cell_a, point_east_of(world, world.cell_a, 400, coord="gcj02"))
    assert error_of(as_wgs84) == error_of(as_gcj02) == (422, "signin_too_far")
    assert as_wgs84.json["error"]["fields"] == as_gcj02.json["error"]["fields"]


def test_the_buffer_comes_from_configuration(app, client, world, clock, collector, monkeypatch):
    monkeypatch.setitem(app.config, "PATROL_SIGNIN_BUFFER_M", 20)
    answer = start(client, collector, world.cell_a, point_east_of(world, world.cell_a, 60))
    assert error_of(answer) == (422, "signin_too_far")
    assert "20 米" in answer.json["error"]["message"]


@pytest.mark.parametrize("location", [
    None,
    "30.9,121.1",
    {"lat": 30.9, "lng": 121.1},
    {"lat": 30.9, "lng": 121.1, "coord": "bd09"},
    {"lat": "north", "lng": 121.1, "coord": "wgs84"},
    {"lat": 200, "lng": 121.1, "coord": "wgs84"},
    {"lat": 30.9, "lng": -181, "coord": "wgs84"},
    {"lat": "NaN", "lng": 121.1, "coord": "wgs84"},
    {"lat": 30.9, "lng": None, "coord": "wgs84"},
], ids=["missing", "a string", "no datum", "baidu datum", "words", "lat out of range", "lng out of range",
        "not a number", "null lng"])
def test_malformed_locations_are_a_400(client, world, clock, collector, location):
    body = {"cell_code": world.cell_a}
    if location is not None:
        body["location"] = location
    answer = client.post("/api/v1/patrols", json=body, headers=auth(collector))
    assert error_of(answer) == (400, "validation_error")
    assert "location" in answer.json["error"]["fields"]


@pytest.mark.parametrize("body", [None, [], "text"], ids=["no body", "a list", "a string"])
def test_a_body_that_is_not_a_json_object_is_a_400(client, world, collector, body):
    answer = client.post("/api/v1/patrols", json=body, headers=auth(collector))
    assert error_of(answer) == (400, "invalid_json")


@pytest.mark.parametrize("cell_code", ["310116101201", "abc", 310116101201001])
def test_a_malformed_cell_code_is_a_400(client, world, clock, collector, cell_code):
    answer = start(client, collector, cell_code, world.location(world.cell_a))
    assert error_of(answer) == (400, "validation_error")


# --- when ------------------------------------------------------------------------------

def test_a_sign_in_dated_in_the_future_is_a_400(client, world, clock, collector):
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    answer = start(client, collector, world.cell_a, world.location(world.cell_a), date=tomorrow)
    assert error_of(answer) == (400, "date_in_future")


def test_a_sign_in_backdated_to_yesterday_is_a_400(client, world, clock, collector):
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    answer = start(client, collector, world.cell_a, world.location(world.cell_a), date=yesterday)
    assert error_of(answer) == (400, "date_not_today")


def test_a_sign_in_dated_today_is_fine(client, world, clock, collector):
    answer = start(client, collector, world.cell_a, world.location(world.cell_a), date=TODAY.isoformat())
    assert answer.status_code == 201


def test_the_patrol_day_is_the_shanghai_day_not_the_utc_day(client, world, clock, collector):
    clock.now = at(TODAY, 7)  # 23:00 UTC the day before
    answer = start(client, collector, world.cell_a, world.location(world.cell_a))
    assert answer.json["date"] == TODAY.isoformat()


@pytest.mark.parametrize("date", [(TODAY + timedelta(days=1)).isoformat(), "2024-13-01", "yesterday"])
def test_compliance_for_a_future_or_malformed_date_is_a_400(client, world, clock, staff_a, date):
    assert compliance(client, staff_a, date=date).status_code == 400


def test_a_future_date_names_its_own_error_code(client, world, clock, staff_a):
    answer = compliance(client, staff_a, date=(TODAY + timedelta(days=1)).isoformat())
    assert error_of(answer) == (400, "date_in_future")


def test_a_track_point_in_the_future_is_a_400(client, world, clock, collector):
    patrol = start(client, collector, world.cell_a, world.location(world.cell_a)).json
    track = [{**world.location(world.cell_a), "at": (clock.now + timedelta(hours=2)).isoformat()}]
    answer = finish(client, collector, patrol["id"], zero_report=True, track=track)
    assert error_of(answer) == (400, "date_in_future")
    assert db.session.get(Patrol, patrol["id"]).status == "open"


def test_a_malformed_track_is_a_400(client, world, clock, collector):
    patrol = start(client, collector, world.cell_a, world.location(world.cell_a)).json
    track = [{"lat": 30.9, "lng": 121.1, "coord": "wgs84", "at": "2024-05-08T10:00:00"}]  # no timezone
    answer = finish(client, collector, patrol["id"], zero_report=True, track=track)
    assert error_of(answer) == (400, "validation_error")


# --- finishing ---------------------------------------------------------------------------

@pytest.fixture
def patrol(client, world, clock, collector):
    return start(client, collector, world.cell_a, world.location(world.cell_a)).json


def test_finishing_someone_elses_patrol_is_a_404(client, world, collector, patrol):
    other = make_collector(world.cell_a, "o-other")
    assert error_of(finish(client, other, patrol["id"], zero_report=True)) == (404, "patrol_not_found")
    assert error_of(finish(client, other, 999999, zero_report=True)) == (404, "patrol_not_found")
    assert db.session.get(Patrol, patrol["id"]).status == "open"


def test_finishing_twice_is_a_409(client, world, collector, patrol):
    assert finish(client, collector, patrol["id"], zero_report=True).status_code == 200
    assert error_of(finish(client, collector, patrol["id"], zero_report=True)) == (409, "patrol_finished")


def test_finishing_on_a_later_day_is_a_409(client, world, clock, collector, patrol):
    clock.now += timedelta(days=1)
    assert error_of(finish(client, collector, patrol["id"], zero_report=True)) == (409, "patrol_day_over")


def test_a_zero_report_with_findings_is_refused(client, world, collector, patrol):
    report = make_report(world, collector, world.cell_a)
    answer = finish(client, collector, patrol["id"], zero_report=True, report_ids=[report.id])
    assert error_of(answer) == (422, "zero_report_with_findings")
    assert db.session.get(Patrol, patrol["id"]).status == "open"
    assert db.session.get(Report, report.id).patrol_id is None


@pytest.mark.parametrize("body", [{}, {"report_ids": []}, {"zero_report": False}],
                         ids=["nothing", "no findings", "not a zero report"])
def test_finishing_with_neither_findings_nor_a_zero_report_is_a_400(client, world, collector, patrol, body):
    assert error_of(finish(client, collector, patrol["id"], **body)) == (400, "validation_error")


@pytest.mark.parametrize("report_ids", [["1"], [0], [1.5], "1,2"], ids=["strings", "zero", "fractions", "a string"])
def test_malformed_report_ids_are_a_400(client, world, collector, patrol, report_ids):
    assert finish(client, collector, patrol["id"], report_ids=report_ids).status_code == 400


def test_a_note_longer_than_500_characters_is_a_400(client, world, collector, patrol):
    assert finish(client, collector, patrol["id"], zero_report=True, note="长" * 501).status_code == 400


@pytest.mark.parametrize("problem", ["someone else's", "unknown", "other street", "another day", "another patrol's"])
def test_reports_that_cannot_be_findings_are_a_422_naming_each(client, world, clock, collector, patrol, problem):
    if problem == "someone else's":
        report = make_report(world, make_resident("o-neighbour"), world.cell_a)
    elif problem == "other street":
        report = make_report(world, collector, world.cell_b)
    elif problem == "another day":
        report = make_report(world, collector, world.cell_a, created_at=at(TODAY - timedelta(days=1), 15))
    elif problem == "another patrol's":
        report = make_report(world, collector, world.cell_a)
        make_patrol(collector, world.cell_a, zero_report=False, findings=[report])
    report_id = 424242 if problem == "unknown" else report.id
    answer = finish(client, collector, patrol["id"], report_ids=[report_id])
    assert error_of(answer) == (422, "invalid_findings")
    assert list(answer.json["error"]["fields"]["report_ids"]) == [str(report_id)]
    assert db.session.get(Patrol, patrol["id"]).status == "open"


def test_a_report_elsewhere_in_the_street_may_be_a_finding(client, world, collector, patrol):
    neighbour_cell = sorted(c for c in world.cells if c.startswith(STREET_A))[3]
    report = make_report(world, collector, neighbour_cell)
    assert finish(client, collector, patrol["id"], report_ids=[report.id]).status_code == 200


# --- who may supervise -------------------------------------------------------------------

def test_staff_of_street_b_asking_for_street_a_are_refused(client, world, clock, staff_b):
    assert error_of(compliance(client, staff_b, street=STREET_A)) == (403, "not_your_street")


def test_staff_see_their_own_street_by_default(client, world, clock, staff_b):
    assert compliance(client, staff_b).json["street"]["code"] == STREET_B


@pytest.mark.parametrize("maker", [
    lambda world: make_resident("o-nosy"),
    lambda world: make_collector(world.cell_a, "o-cell-head", role="cell_head"),
    lambda world: make_staff(None, role="dept", username="dept-1", department_code="CGZF"),
], ids=["a resident", "a cell head", "a department handler"])
def test_compliance_and_stats_are_for_centre_staff_only(client, world, clock, maker):
    user = maker(world)
    assert compliance(client, user).status_code == 403
    assert client.get("/api/v1/inbox/patrols/stats", headers=auth(user)).status_code == 403


def test_a_district_admin_must_name_a_street(client, world, clock):
    admin = make_staff(None, role="admin", username="district-admin")
    assert error_of(compliance(client, admin)) == (400, "street_required")
    assert compliance(client, admin, street=STREET_B).json["street"]["code"] == STREET_B
    assert error_of(compliance(client, admin, street="310116999")) == (404, "unknown_street")
    assert compliance(client, admin, street="abc").status_code == 400


# --- races ---------------------------------------------------------------------------------

def test_two_simultaneous_starts_end_with_one_open_patrol(app, world, clock, collector, monkeypatch):
    from app.patrols import service

    first, created = service.start_patrol(user=collector, cell_code=world.cell_a,
                                          location=world.location(world.cell_a), now=clock.now)
    # The second request looked before the first inserted: its lookup saw nothing, so it
    # inserts too, and the partial unique index sends it back to the open patrol.
    lookups = []

    def open_patrol(**where):
        lookups.append(where)
        return None if len(lookups) == 1 else db.session.get(Patrol, first.id)

    monkeypatch.setattr(service, "open_patrol", open_patrol)
    second, created_again = service.start_patrol(user=collector, cell_code=world.cell_a,
                                                 location=world.location(world.cell_a), now=clock.now)
    assert (created, created_again) == (True, False)
    assert second.id == first.id and len(lookups) == 2
    assert db.session.query(Patrol).count() == 1


def test_a_finish_that_loses_the_race_is_a_409(app, world, clock, collector):
    from sqlalchemy import update

    from app.core.errors import ApiError
    from app.patrols import service

    patrol, _ = service.start_patrol(user=collector, cell_code=world.cell_a, location=world.location(world.cell_a),
                                     now=clock.now)
    db.session.execute(update(Patrol).where(Patrol.id == patrol.id).values(status="finished")
                       .execution_options(synchronize_session=False))  # another request, meanwhile
    with pytest.raises(ApiError) as refused:
        service.close(patrol, now=clock.now, zero_report=True, note=None, track=[])
    assert (refused.value.status, refused.value.code) == (409, "patrol_finished")
