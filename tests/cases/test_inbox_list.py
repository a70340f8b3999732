"""The inbox list: filters, text search, sorting, pagination, counters; and the detail."""
from datetime import timedelta

import pytest

from app.core.clock import utcnow
from app.core.extensions import db
from tests.cases.conftest import beijing
from tests.factories import auth, make_case


def listing(client, user, **args):
    response = client.get("/api/v1/inbox/cases", headers=auth(user), query_string=args)
    assert response.status_code == 200, response.json
    return response.json


def ids(body):
    return [item["id"] for item in body["items"]]


def set_clock(case, status, due_at):
    """Put a case on a department's clock directly: these tests read, they do not transition."""
    case.status, case.department_code, case.due_at = status, "SWJ", due_at
    db.session.commit()
    return case


@pytest.fixture
def cases(world, people):
    now = utcnow()
    return {
        "old": make_case(world.cell_a, category_code="C0101", description="井盖缺失",
                         now=beijing(2026, 3, 2, 10)),
        "march": make_case(world.cell_a, description="雨水箅子堵塞", now=beijing(2026, 3, 20, 10)),
        "late": set_clock(make_case(world.community_a + "002", description="路灯不亮"),
                          "in_progress", now - timedelta(hours=1)),
        "soon": set_clock(make_case(world.cell_a, description="污水外溢"), "dispatched",
                          now + timedelta(hours=1)),
        "foreign": make_case(world.cell_b, description="别的街镇"),
    }


def test_the_list_filters_by_status_category_cell_and_community(client, people, world, cases):
    staff = people.staff_a
    assert set(ids(listing(client, staff, status="pending"))) == {cases["old"].id, cases["march"].id}
    on_the_clock = listing(client, staff, status="dispatched,in_progress")
    assert set(ids(on_the_clock)) == {cases["late"].id, cases["soon"].id}
    assert ids(listing(client, staff, category="C0101")) == [cases["old"].id]
    assert ids(listing(client, staff, cell=world.community_a + "002")) == [cases["late"].id]
    assert len(ids(listing(client, staff, community=world.community_a))) == 4


def test_the_overdue_filter_is_computed_in_sql_for_open_cases_past_due(client, people, cases):
    overdue = listing(client, people.staff_a, overdue="true")
    on_time = listing(client, people.staff_a, overdue="false")
    assert ids(overdue) == [cases["late"].id] and overdue["items"][0]["overdue"] is True
    assert cases["late"].id not in ids(on_time) and on_time["total"] == 3


def test_the_date_range_counts_whole_beijing_days(client, people, cases):
    body = listing(client, people.staff_a, created_from="2026-03-01", created_to="2026-03-02")
    assert ids(body) == [cases["old"].id]


def test_text_search_matches_the_reference_or_the_description(client, people, cases):
    assert ids(listing(client, people.staff_a, q="箅子")) == [cases["march"].id]
    assert ids(listing(client, people.staff_a, q=cases["old"].ref)) == [cases["old"].id]
    assert ids(listing(client, people.staff_a, q="100%")) == []


def test_sorting_by_due_time_puts_cases_without_a_deadline_last(client, people, cases):
    body = listing(client, people.staff_a, sort="due_at")
    assert ids(body)[:2] == [cases["late"].id, cases["soon"].id]
    assert ids(listing(client, people.staff_a, sort="created_at"))[0] == cases["old"].id


def test_pages_hold_per_page_items_and_the_total_counts_them_all(client, people, cases):
    first = listing(client, people.staff_a, per_page=3, page=1)
    second = listing(client, people.staff_a, per_page=3, page=2)
    assert (first["total"], first["page"], first["per_page"]) == (4, 1, 3)
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    assert not set(ids(first)) & set(ids(second))


def test_counters_count_new_overdue_and_due_soon_in_the_callers_scope(client, people, cases):
    assert listing(client, people.staff_a)["counters"] == {"new": 2, "overdue": 1, "due_soon": 1}
    assert listing(client, people.staff_b)["counters"] == {"new": 1, "overdue": 0, "due_soon": 0}
    # For a handler "new" is what waits to be signed for.
    assert listing(client, people.handler)["counters"] == {"new": 1, "overdue": 1, "due_soon": 1}


@pytest.mark.parametrize("args", [{"per_page": 101}, {"page": 0}, {"status": "lost"}, {"sort": "ref"},
                                  {"overdue": "maybe"}, {"created_from": "yesterday"}])
def test_bad_list_arguments_are_a_400_with_fields(client, people, args):
    response = client.get("/api/v1/inbox/cases", headers=auth(people.staff_a), query_string=args)
    assert response.status_code == 400 and response.json["error"]["fields"]


def test_the_detail_carries_reports_photos_timeline_and_deadlines(client, people, case_in):
    case = case_in("dispatched")
    report = case.reports[0]
    report.flagged = True
    db.session.commit()

    body = client.get(f"/api/v1/inbox/cases/{case.id}", headers=auth(people.staff_a)).json

    assert body["ref"] == case.ref and body["report_count"] == 1 and body["overdue"] is False
    assert body["reports"][0]["flagged"] is True and body["reports"][0]["description"] == report.description
    assert body["reports"][0]["location"] == {"lat": 30.885, "lng": 121.155, "coord": "wgs84"}
    assert set(body["deadlines"]) == {"sign_due_at", "handling_due_at", "due_at", "extended_days", "provisional"}
    assert [e["action"] for e in body["timeline"]] == ["created", "accept", "dispatch", "note"]
    assert body["supervision"] is None and body["rework_count"] == 0


def test_public_steps_are_marked_for_the_reporter_and_staff_notes_stay_internal(client, people, case_in):
    case = case_in("dispatched")
    timeline = client.get(f"/api/v1/inbox/cases/{case.id}", headers=auth(people.staff_a)).json["timeline"]
    by_action = {e["action"]: e for e in timeline}
    assert by_action["accept"]["public"] and by_action["dispatch"]["public"]
    assert by_action["dispatch"]["note"] == "派遣至 区水务局"
    assert by_action["note"]["note"] == "请尽快处理" and not by_action["note"]["public"]


def test_a_handled_case_past_due_is_not_overdue_the_department_has_answered(client, people, world):
    handled = set_clock(make_case(world.cell_a), "handled", utcnow() - timedelta(days=2))
    body = listing(client, people.staff_a, overdue="true")
    assert handled.id not in ids(body) and body["counters"]["overdue"] == 0


def test_a_reference_or_its_beginning_finds_cases_by_prefix_in_any_case(client, people, cases):
    ref = cases["old"].ref
    assert ids(listing(client, people.staff_a, q=ref.lower())) == [cases["old"].id]
    prefix = ref[:11]  # AJ + the date
    assert cases["old"].id in ids(listing(client, people.staff_a, q=prefix))
    assert ids(listing(client, people.staff_a, q="AJ1999")) == []


def with_resident_ref(case):
    """The JS reference a resident was given for the case's report, as report_ref() writes it."""
    from app.reports.service import report_ref

    report = case.reports[0]
    report.ref = report_ref(report)
    db.session.commit()
    return report.ref


def test_a_residents_report_reference_finds_the_case_it_is_on(client, people, cases):
    ref, foreign_ref = with_resident_ref(cases["march"]), with_resident_ref(cases["foreign"])
    assert ids(listing(client, people.staff_a, q=ref)) == [cases["march"].id]
    assert ids(listing(client, people.staff_a, q=ref.lower())) == [cases["march"].id]
    assert ids(listing(client, people.staff_a, q=foreign_ref)) == []  # another street's case stays out of scope
    assert ids(listing(client, people.staff_a, q="JS1999")) == []
