"""A collector's day through the API: sign in, report findings, finish; and a zero-report day."""
import uuid

from app.core.extensions import db
from app.patrols.models import Patrol
from app.reports.models import Report
from tests.factories import auth, make_collector
from tests.patrols.conftest import TODAY, compliance, finish, point_east_of, start, statuses_by_cell
from tests.reports.conftest import jpeg_bytes, upload


def report_finding(client, world, user, cell_code, description):
    """A finding filed the way the mini-program files it: one photo upload, then the report."""
    photo_id = upload(client, user, jpeg_bytes()).json["id"]
    body = {"category_code": "E0102", "description": description, "location": world.location(cell_code),
            "photo_ids": [photo_id]}
    answer = client.post("/api/v1/reports", json=body,
                         headers={**auth(user), "Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 202, answer.json
    return answer.json["id"]


def test_a_collector_signs_in_reports_two_findings_and_finishes(client, world, clock, collector, staff_a):
    started = start(client, collector, world.cell_a, world.location(world.cell_a))
    assert started.status_code == 201
    patrol = started.json
    assert patrol["status"] == "open" and patrol["kind"] == "collector"
    assert patrol["date"] == TODAY.isoformat() and patrol["signin_distance_m"] == 0
    assert patrol["location"]["coord"] == "gcj02"

    findings = [report_finding(client, world, collector, world.cell_a, "井盖缺失"),
                report_finding(client, world, collector, world.cell_a, "垃圾堆积")]
    track = [{**world.location(world.cell_a), "at": clock.now.isoformat()}]
    finished = finish(client, collector, patrol["id"], report_ids=findings, note="巡查两处问题", track=track)

    assert finished.status_code == 200, finished.json
    assert finished.json["status"] == "finished" and finished.json["zero_report"] is False
    assert finished.json["report_ids"] == findings and finished.json["track_points"] == 1
    for report in db.session.query(Report).filter(Report.id.in_(findings)):
        assert (report.source, report.patrol_id) == ("patrol", patrol["id"])
    assert statuses_by_cell(compliance(client, staff_a))[world.cell_a] == "patrolled"


def test_a_zero_report_day_shows_as_zero_report(client, world, clock, collector, staff_a):
    patrol = start(client, collector, world.cell_a, world.location(world.cell_a)).json
    finished = finish(client, collector, patrol["id"], zero_report=True, note="无异常")
    assert finished.status_code == 200
    assert finished.json["zero_report"] is True and finished.json["report_ids"] == []
    assert statuses_by_cell(compliance(client, staff_a))[world.cell_a] == "zero_report"


def test_compliance_shows_the_patrolled_the_zero_reported_and_the_missing_cells(client, world, clock, staff_a):
    cells = sorted(c for c in world.cells if c.startswith(world.street_a))
    walker, idler = make_collector(cells[0], "o-walker"), make_collector(cells[1], "o-idler")
    patrol = start(client, walker, cells[0], world.location(cells[0])).json  # open: signed in counts
    zero = start(client, idler, cells[1], world.location(cells[1])).json
    finish(client, idler, zero["id"], zero_report=True)

    answer = compliance(client, staff_a)
    assert answer.status_code == 200
    assert answer.json["date"] == TODAY.isoformat()
    assert [c["code"] for c in answer.json["communities"]] == [world.community_a]
    assert statuses_by_cell(answer) == {cells[0]: "patrolled", cells[1]: "zero_report",
                                        cells[2]: "missing", cells[3]: "missing"}
    assert answer.json["communities"][0]["counts"] == {"patrolled": 1, "zero_report": 1, "missing": 2, "total": 4}
    assert patrol["status"] == "open"


def test_starting_again_the_same_day_returns_the_open_patrol(client, world, clock, collector):
    first = start(client, collector, world.cell_a, world.location(world.cell_a))
    again = start(client, collector, world.cell_a, world.location(world.cell_a, coord="wgs84"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert db.session.query(Patrol).count() == 1


def test_after_finishing_a_second_round_the_same_day_is_a_new_patrol(client, world, clock, collector):
    first = start(client, collector, world.cell_a, world.location(world.cell_a)).json
    finish(client, collector, first["id"], zero_report=True)
    second = start(client, collector, world.cell_a, world.location(world.cell_a))
    assert second.status_code == 201 and second.json["id"] != first["id"]


def test_a_sign_in_just_outside_the_cell_within_the_buffer_is_accepted_with_its_distance(
        client, world, clock, collector):
    # cell_a is the north-west cell: 60 m east of it is inside its neighbour, within the 100 m buffer.
    answer = start(client, collector, world.cell_a, point_east_of(world, world.cell_a, 60))
    assert answer.status_code == 201
    assert 59 <= answer.json["signin_distance_m"] <= 61


def test_my_patrols_are_listed_newest_first_a_page_at_a_time(client, world, clock, collector):
    ids = []
    for hour in (8, 9, 10):
        clock.now = clock.now.replace(hour=hour)
        patrol = start(client, collector, world.cell_a, world.location(world.cell_a)).json
        finish(client, collector, patrol["id"], zero_report=True)
        ids.append(patrol["id"])
    page = client.get("/api/v1/patrols/mine?per_page=2", headers=auth(collector)).json
    assert (page["total"], page["page"], page["per_page"]) == (3, 1, 2)
    assert [p["id"] for p in page["items"]] == ids[::-1][:2]
    rest = client.get("/api/v1/patrols/mine?per_page=2&page=2", headers=auth(collector)).json
    assert [p["id"] for p in rest["items"]] == ids[:1]


def test_other_peoples_patrols_are_not_in_my_list(client, world, clock, collector):
    other = make_collector(world.cell_a, "o-other-collector")
    start(client, other, world.cell_a, world.location(world.cell_a))
    assert client.get("/api/v1/patrols/mine", headers=auth(collector)).json["total"] == 0
