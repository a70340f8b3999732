"""Deadlines set on dispatch, from the category row and the calendar with its overrides.

2026 schedule (chinese-calendar 1.11.0): National Day Oct 1–7 off, Thu Oct 8 and Fri
Oct 9 worked, Sat Oct 10 a make-up working day, Sun Oct 11 off.
"""
import pytest

from app.cases.models import WorkdayOverride
from app.cases.transitions import transition
from app.catalog.models import Category
from app.core.errors import ApiError
from app.core.extensions import db
from tests.cases.conftest import beijing
from tests.factories import auth


def dispatch(case, people, now):
    transition(case=case, action="dispatch", actor=people.staff_a, now=now)
    db.session.commit()
    return case


def test_dispatch_before_national_day_counts_the_make_up_saturday_and_skips_the_holiday(people, case_in):
    case = dispatch(case_in("accepted"), people, beijing(2026, 9, 30, 10))

    assert case.sign_due_at == beijing(2026, 10, 8, 17)        # 1: Oct 8
    assert case.handling_due_at == beijing(2026, 10, 13, 17)   # 5: Oct 8, 9, 10 (Sat), 12, 13
    assert case.due_at == beijing(2026, 10, 22, 17)            # 12 working days
    assert case.department_code == "SWJ" and case.dispatched_at == beijing(2026, 9, 30, 10)


def test_an_override_row_moves_the_deadlines_a_working_day_later(people, case_in):
    db.session.add(WorkdayOverride(day=beijing(2026, 10, 9).date(), is_workday=False, note="台风停工"))
    db.session.commit()

    case = dispatch(case_in("accepted"), people, beijing(2026, 9, 30, 10))

    assert case.sign_due_at == beijing(2026, 10, 8, 17)
    assert case.handling_due_at == beijing(2026, 10, 14, 17)
    assert case.due_at == beijing(2026, 10, 23, 17)


def test_completion_days_come_from_the_category_row(people, case_in):
    db.session.get(Category, "C0104").completion_days = 5
    db.session.commit()

    case = dispatch(case_in("accepted"), people, beijing(2026, 9, 30, 10))

    assert case.due_at == beijing(2026, 10, 13, 17)


def test_an_urgent_category_is_due_in_working_hours_on_the_make_up_saturday(people, case_in):
    case = case_in("accepted", category_code="C0101")  # 上水井盖: 4 working hours

    dispatch(case, people, beijing(2026, 10, 9, 16))

    assert case.due_at == beijing(2026, 10, 10, 12)  # 1 h on Friday, 3 h on the make-up Saturday
    assert case.sign_due_at == case.due_at  # never longer to sign than to finish


def test_an_extension_moves_the_due_time_up_to_the_maximum_and_no_further(client, people, case_in):
    case = case_in("in_progress")
    first_due = case.due_at
    url = f"/api/v1/inbox/cases/{case.id}/actions"

    granted = client.post(url, headers=auth(people.staff_a),
                          json={"action": "extend", "working_days": 3, "reason": "等待配件"})
    refused = client.post(url, headers=auth(people.staff_a),
                          json={"action": "extend", "working_days": 1, "reason": "还要等"})

    assert granted.status_code == 200 and granted.json["deadlines"]["extended_days"] == 3
    assert granted.json["due_at"] > first_due.isoformat()
    assert refused.status_code == 422 and refused.json["error"]["code"] == "extension_refused"


def test_a_reopened_case_gets_a_fresh_clock_from_the_moment_it_reopens(people, case_in):
    case = case_in("closed")

    transition(case=case, action="reopen", actor=None, now=beijing(2026, 9, 30, 10), reason="回访不满意")

    assert case.status == "dispatched" and case.closed_at is None
    assert case.due_at == beijing(2026, 10, 22, 17)


def test_the_system_may_only_reopen(people, case_in):
    case = case_in("pending")
    with pytest.raises(ApiError) as refused:
        transition(case=case, action="accept", actor=None, now=beijing(2026, 9, 30, 10))
    assert refused.value.status == 403


def test_overrides_are_edited_from_the_command_line_and_unknown_years_are_warned(app, world):
    from datetime import date

    from app.cases import policy

    runner = app.test_cli_runner()
    assert runner.invoke(args=["cases", "workday", "2027-01-01", "off", "--note", "元旦"]).exit_code == 0
    assert runner.invoke(args=["cases", "workday", "2027-01-03", "on"]).exit_code == 0
    calendar = policy.working_calendar()
    assert calendar.is_workday(date(2027, 1, 1)) is False
    assert calendar.is_workday(date(2027, 1, 3)) is True  # a Sunday made a working day
    listing = runner.invoke(args=["cases", "calendar", "--year", "2028"])
    assert "2027-01-01  day off  元旦" in listing.output
    assert "warning: 2028 is not in the holiday calendar" in listing.output
    assert runner.invoke(args=["cases", "workday", "2027-01-01", "auto"]).exit_code == 0
    assert "2027-01-01" not in runner.invoke(args=["cases", "calendar"]).output
    assert runner.invoke(args=["cases", "workday", "2027-01-05", "maybe"]).exit_code != 0
