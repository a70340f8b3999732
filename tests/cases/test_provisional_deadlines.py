"""Deadlines counted across 2027, a year chinese-calendar 1.11.0 does not know: marked
provisional on the case, in the API and on the staff pages, and recounted once the
year's notice is entered.

A case dispatched on Sun 20 Dec 2026 has 12 working days: 21–25 and 28–31 Dec, then
(1 Jan 2027 off) 4, 5 and 6 Jan, so it is due Wed 6 Jan 2027 17:00.
"""
from datetime import date

from app.cases import policy
from app.cases.models import Case, CaseEvent, EnteredYear, WorkdayOverride
from app.cases.recount import recompute, recompute_provisional_deadlines
from app.cases.transitions import transition
from app.core.clock import utcnow
from app.core.extensions import db
from tests.cases.conftest import beijing
from tests.factories import auth, signed_in_as

ACROSS_NEW_YEAR = beijing(2026, 12, 20, 10)


def dispatched(case_in, people, now):
    case = case_in("accepted")
    transition(case=case, action="dispatch", actor=people.staff_a, now=now)
    db.session.commit()
    return case


def enter_2027():
    """2027 known, with 元旦 its only holiday near the cases here."""
    db.session.add_all([WorkdayOverride(day=date(2027, 1, 1), is_workday=False, note="元旦"),
                        EnteredYear(year=2027, entered_at=utcnow())])
    db.session.commit()


def recount_events(case):
    return db.session.query(CaseEvent).filter_by(case_id=case.id, action="deadlines_recomputed").all()


# --- marked on dispatch ---------------------------------------------------------------------

def test_a_dispatch_whose_deadline_crosses_into_2027_is_marked_provisional_in_the_api(client, people, case_in):
    case = dispatched(case_in, people, ACROSS_NEW_YEAR)

    detail = client.get(f"/api/v1/inbox/cases/{case.id}", headers=auth(people.staff_a)).json
    listing = client.get("/api/v1/inbox/cases", headers=auth(people.staff_a)).json

    assert detail["deadlines"]["provisional"] is True
    assert detail["deadlines"]["due_at"] == "2027-01-06T09:00:00+00:00"  # 17:00 in Beijing
    assert [item["deadlines_provisional"] for item in listing["items"]] == [True]


def test_a_2026_only_deadline_is_not_provisional(client, people, case_in):
    case = dispatched(case_in, people, beijing(2026, 9, 30, 10))

    detail = client.get(f"/api/v1/inbox/cases/{case.id}", headers=auth(people.staff_a)).json

    assert case.deadlines_provisional is False
    assert detail["deadlines"]["provisional"] is False and detail["deadlines_provisional"] is False


def test_an_extension_into_2027_makes_the_deadlines_provisional(people, case_in):
    case = dispatched(case_in, people, beijing(2026, 12, 14, 10))  # due Wed 30 Dec
    transition(case=case, action="sign", actor=people.handler, now=beijing(2026, 12, 15, 9))
    assert case.deadlines_provisional is False

    transition(case=case, action="extend", actor=people.staff_a, now=beijing(2026, 12, 16, 9),
               working_days=3, reason="等待配件")

    assert case.due_at == beijing(2027, 1, 5, 17) and case.deadlines_provisional is True


def test_a_returned_case_drops_the_flag_with_its_deadlines(people, case_in):
    case = dispatched(case_in, people, ACROSS_NEW_YEAR)

    transition(case=case, action="return", actor=people.handler, now=beijing(2026, 12, 21, 9), reason="非本单位")

    assert case.due_at is None and case.deadlines_provisional is False


# --- recounted when the notice is entered ----------------------------------------------------

def test_entering_the_2027_notice_from_the_command_line_recounts_the_deadlines_and_clears_the_flag(
        app, people, case_in):
    case = dispatched(case_in, people, ACROSS_NEW_YEAR)
    version = case.version
    runner = app.test_cli_runner()

    # Each day entered recounts at once, though the year stays provisional until complete.
    same = runner.invoke(args=["cases", "workday", "2027-01-01", "off", "--note", "元旦"])
    assert "recomputed provisional deadlines of 0 case(s)" in same.output  # the guess had it
    edited = runner.invoke(args=["cases", "workday", "2027-01-04", "off", "--note", "示例：通知多放一天"])
    db.session.expire_all()
    assert "recomputed provisional deadlines of 1 case(s)" in edited.output
    assert case.due_at == beijing(2027, 1, 7, 17) and case.deadlines_provisional is True

    completed = runner.invoke(args=["cases", "year", "2027", "complete", "--note", "国办发明电"])
    db.session.expire_all()

    assert completed.exit_code == 0, completed.output
    assert case.due_at == beijing(2027, 1, 7, 17) and case.deadlines_provisional is False
    assert case.sign_due_at == beijing(2026, 12, 21, 17) and case.handling_due_at == beijing(2026, 12, 25, 17)
    assert case.version == version  # a staff member's open page is not made stale
    notes = [event.note for event in recount_events(case)]
    assert len(notes) == 2 and "办结期限 2027-01-06 17:00 → 2027-01-07 17:00" in notes[0]
    assert notes[0].endswith("期限仍为暂定") and notes[1].endswith("期限已按正式放假安排确定")


def test_recomputing_keeps_granted_extensions(people, case_in):
    case = dispatched(case_in, people, ACROSS_NEW_YEAR)
    transition(case=case, action="sign", actor=people.handler, now=beijing(2026, 12, 21, 9))
    transition(case=case, action="extend", actor=people.staff_a, now=beijing(2026, 12, 22, 9),
               working_days=2, reason="等待配件")
    enter_2027()

    result = recompute_provisional_deadlines(now=beijing(2026, 12, 23, 9))

    assert result == {"recomputed": [case.id], "skipped": []}
    assert case.due_at == beijing(2027, 1, 8, 17) and case.deadlines_provisional is False


def test_the_recompute_command_recounts_after_the_calendar_learns_the_year(app, people, case_in):
    case = dispatched(case_in, people, ACROSS_NEW_YEAR)
    closed = dispatched(case_in, people, ACROSS_NEW_YEAR)
    db.session.execute(db.update(Case).where(Case.id == closed.id).values(status="closed"))
    enter_2027()  # as a newer chinese-calendar release would know it

    output = app.test_cli_runner().invoke(args=["cases", "recompute-deadlines"]).output
    db.session.expire_all()

    assert "recomputed provisional deadlines of 1 case(s)" in output
    assert case.deadlines_provisional is False and recount_events(case)
    assert db.session.get(Case, closed.id).deadlines_provisional is True  # closed cases are history
    assert recount_events(closed) == []


def test_a_case_changed_by_staff_meanwhile_is_left_for_the_next_run(people, case_in):
    case = dispatched(case_in, people, ACROSS_NEW_YEAR)
    db.session.add(EnteredYear(year=2027, entered_at=utcnow()))
    # A staff action commits between the recount reading the case and writing it.
    db.session.execute(db.update(Case).where(Case.id == case.id).values(version=Case.version + 1)
                       .execution_options(synchronize_session=False))

    assert recompute(case, now=beijing(2026, 12, 21, 10), calendar=policy.working_calendar()) is False
    assert recount_events(case) == []


# --- what staff see ----------------------------------------------------------------------------

def test_the_case_page_says_the_deadlines_are_provisional(client, people, case_in):
    case = dispatched(case_in, people, ACROSS_NEW_YEAR)

    page = signed_in_as(client, people.staff_a).get(f"/inbox/cases/{case.id}").get_data(as_text=True)

    assert "期限为暂定（2027年放假安排尚未公布）" in page


def test_signed_in_staff_see_the_calendar_alert_in_the_header_until_the_years_are_entered(client, people):
    signed_in_as(client, people.staff_a)
    this_year = utcnow().year
    # chinese-calendar 1.11.0 stops at 2026: from 1 November 2026 on, a year is always missing.
    assert "年法定节假日安排尚未录入，期限按暂定规则计算" in client.get("/inbox/cases/").get_data(as_text=True)
    assert "年法定节假日安排尚未录入" in client.get("/inbox/patrols/").get_data(as_text=True)

    db.session.add_all([EnteredYear(year=this_year, entered_at=utcnow()),
                        EnteredYear(year=this_year + 1, entered_at=utcnow())])
    db.session.commit()

    assert "年法定节假日安排尚未录入" not in client.get("/inbox/cases/").get_data(as_text=True)


def test_the_header_alert_is_not_shown_before_sign_in(client, world):
    assert "年法定节假日安排尚未录入" not in client.get("/inbox/login").get_data(as_text=True)


def test_calendar_readiness_warns_from_1_november_beijing_time(app, world):
    assert policy.calendar_readiness(beijing(2026, 10, 31, 23, 59)) == {
        "status": "ok", "message": None, "unknown_years": []}
    assert policy.calendar_readiness(beijing(2026, 11, 1, 0, 30)) == {
        "status": "warning", "message": "2027年法定节假日安排尚未录入，期限按暂定规则计算",
        "unknown_years": [2027]}


def test_the_calendar_command_prints_the_alert(app, world):
    message = policy.calendar_readiness(utcnow())["message"]
    output = app.test_cli_runner().invoke(args=["cases", "calendar"]).output
    assert message and f"alert: {message}" in output


def test_the_sweeper_catches_up_a_case_dispatched_before_deadlines_were_flagged(app, people, case_in):
    from app.jobs.sweeper import periodic_tasks, sweep_once

    case_id = dispatched(case_in, people, ACROSS_NEW_YEAR).id
    # As the old code left it: counted Monday–Friday across New Year, and no flag.
    db.session.execute(db.update(Case).where(Case.id == case_id).values(
        due_at=beijing(2027, 1, 5, 17), deadlines_provisional=False))
    db.session.commit()

    assert recompute_provisional_deadlines in periodic_tasks()
    sweep_once(now=beijing(2026, 12, 21, 9))

    case = db.session.get(Case, case_id)
    assert case.due_at == beijing(2027, 1, 6, 17) and case.deadlines_provisional is True
    assert len(recount_events(case)) == 1
    sweep_once(now=beijing(2026, 12, 21, 10))  # nothing moved: nothing written
    assert len(recount_events(db.session.get(Case, case_id))) == 1
