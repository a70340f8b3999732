"""District departments that entered the grid sign in when they patrol a cell, too."""
from app.core.extensions import db
from app.patrols.models import Patrol
from tests.factories import STREET_A, STREET_B, auth, make_staff
from tests.patrols.conftest import compliance, finish, make_report, start, statuses_by_cell


def handler(street_code=None, username="cgzf-handler"):
    return make_staff(street_code, role="dept", username=username, department_code="CGZF")


def test_a_department_handler_patrols_a_cell_as_a_department_patrol(client, world, clock):
    user = handler()
    answer = start(client, user, world.cell_b, world.location(world.cell_b))
    assert answer.status_code == 201
    assert answer.json["kind"] == "department"
    report = make_report(world, user, world.cell_b)
    finished = finish(client, user, answer.json["id"], report_ids=[report.id])
    assert finished.status_code == 200 and finished.json["report_ids"] == [report.id]


def test_a_department_patrol_does_not_discharge_the_collectors_daily_duty(client, world, clock, staff_a):
    user = handler()
    patrol = start(client, user, world.cell_a, world.location(world.cell_a)).json
    finish(client, user, patrol["id"], zero_report=True)
    assert statuses_by_cell(compliance(client, staff_a))[world.cell_a] == "missing"


def test_a_handler_tied_to_a_street_patrols_only_there(client, world, clock):
    user = handler(STREET_A)
    assert start(client, user, world.cell_a, world.location(world.cell_a)).status_code == 201
    refused = start(client, user, world.cell_b, world.location(world.cell_b))
    assert refused.status_code == 403
    assert db.session.query(Patrol).count() == 1


def test_department_patrols_are_listed_as_the_handlers_own(client, world, clock):
    user = handler(STREET_B)
    start(client, user, world.cell_b, world.location(world.cell_b))
    mine = client.get("/api/v1/patrols/mine", headers=auth(user)).json
    assert [p["kind"] for p in mine["items"]] == ["department"]
