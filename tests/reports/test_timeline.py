"""The reporter's timeline (GET /api/v1/reports/<id>) is their own: it starts at their report,
and a duplicate reporter never sees the first reporter's reference."""
from datetime import timedelta

import pytest

from app.cases.service import attach_report, open_case_for_report
from app.cases.transitions import transition
from app.core.clock import utcnow
from app.core.extensions import db
from app.reports.models import Report
from app.reports.service import report_ref
from tests.factories import STREET_A, auth, make_resident, make_staff

T0 = utcnow().replace(microsecond=0) - timedelta(hours=3)


def minutes(n):
    return T0 + timedelta(minutes=n)


def report_at(world, user, at):
    report = Report(user_id=user.id, category_code="C0104", description="雨水箅子堵塞", lat=30.885, lng=121.155,
                    coord="wgs84", wgs_lat=30.885, wgs_lng=121.155, cell_code=world.cell_a,
                    street_code=STREET_A, status="processed", created_at=at, processed_at=at)
    db.session.add(report)
    db.session.flush()
    report.ref = report_ref(report)
    return report


@pytest.fixture
def people(world):
    return make_resident("o-alice"), make_resident("o-bob"), make_staff(STREET_A)


def timeline_of(client, user, report):
    answer = client.get(f"/api/v1/reports/{report.id}", headers=auth(user))
    return answer.json["timeline"], answer.get_data(as_text=True)


def act(case, action, staff, at, **params):
    transition(case=case, action=action, actor=staff, now=at, **params)
    db.session.commit()


def test_a_duplicate_reporters_timeline_starts_at_their_own_report(client, world, people):
    alice, bob, staff = people
    first = report_at(world, alice, minutes(0))
    case = open_case_for_report(report=first, community_code=world.community_a, now=minutes(1))
    act(case, "accept", staff, minutes(10))
    second = report_at(world, bob, minutes(30))
    attach_report(case=case, report=second, now=minutes(31))
    act(case, "dispatch", staff, minutes(40))

    timeline, text = timeline_of(client, bob, second)

    assert [step["status"] for step in timeline] == ["received", "dispatched"]
    assert timeline[0]["at"] == second.created_at.isoformat()
    assert first.ref not in text


def test_a_case_opened_around_another_report_after_mine_shows_me_no_opening_step(client, world, people):
    alice, bob, _staff = people
    first, mine = report_at(world, alice, minutes(0)), report_at(world, bob, minutes(1))
    # Alice's report is processed after Bob submitted his: her case opens, then his joins it.
    case = open_case_for_report(report=first, community_code=world.community_a, now=minutes(2))
    attach_report(case=case, report=mine, now=minutes(3))
    db.session.commit()

    bobs, bobs_text = timeline_of(client, bob, mine)
    alices, _ = timeline_of(client, alice, first)

    assert [step["status"] for step in bobs] == ["received"] and first.ref not in bobs_text
    assert [step["status"] for step in alices] == ["received", "pending"]
    assert alices[1]["note"] == f"上报 {first.ref}"


def test_another_reporters_reference_in_a_staff_note_is_masked(client, world, people):
    alice, bob, staff = people
    first = report_at(world, alice, minutes(0))
    case = open_case_for_report(report=first, community_code=world.community_a, now=minutes(1))
    second = report_at(world, bob, minutes(5))
    attach_report(case=case, report=second, now=minutes(6))
    act(case, "reject", staff, minutes(10), reason=f"与 {first.ref} 为同一问题，{second.ref} 已处理")

    bobs, bobs_text = timeline_of(client, bob, second)
    alices, _ = timeline_of(client, alice, first)

    assert bobs[-1]["note"] == f"与 其他上报 为同一问题，{second.ref} 已处理"
    assert first.ref not in bobs_text
    assert first.ref in alices[-1]["note"]
