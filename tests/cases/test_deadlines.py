"""Working-day calendar and "1、5、15" deadlines.

Holiday dates come from chinese-calendar 1.11.0's 2026 data (State Council schedule):
- Spring Festival: Feb 15 (Sun) – Feb 23 (Mon) off; Sat Feb 14 and Sat Feb 28 worked.
- National Day: Oct 1 (Thu) – Oct 7 (Wed) off; Sun Sep 20 and Sat Oct 10 worked
  (Mid-Autumn is separate: Fri Sep 25 off).
March 2026 has no holidays: Mar 6 is a Friday, Mar 9 a Monday.
"""
from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.cases.deadlines import (
    DeadlineProfile,
    ExtensionRefused,
    WorkingCalendar,
    due_times,
    extend,
    extension_days_left,
    is_overdue,
    reminder_times,
)
from tests.cases.conftest import SHANGHAI, beijing, calendar  # noqa: F401  (a fixture)

# --- which days are worked -------------------------------------------------------------

def test_public_holidays_are_days_off_and_make_up_weekends_are_working_days(calendar):
    assert not calendar.is_workday(date(2026, 10, 1))
    assert not calendar.is_workday(date(2026, 2, 16))
    assert calendar.is_workday(date(2026, 10, 10))
    assert calendar.is_workday(date(2026, 9, 20))
    assert calendar.is_workday(date(2026, 2, 14))


def test_an_override_turns_a_working_day_off_and_a_weekend_into_a_working_day():
    calendar = WorkingCalendar(overrides={date(2026, 3, 10): False, date(2026, 3, 14): True})
    assert not calendar.is_workday(date(2026, 3, 10))
    assert calendar.is_workday(date(2026, 3, 14))


def test_an_override_wins_over_the_national_schedule():
    calendar = WorkingCalendar(overrides={date(2026, 10, 8): False})
    assert calendar.add_working_days(beijing(2026, 9, 30, 10), 1) == beijing(2026, 10, 9, 17)


def test_a_year_the_package_does_not_know_falls_back_to_monday_to_friday(calendar):
    assert calendar.is_workday(date(2027, 3, 5))
    assert not calendar.is_workday(date(2027, 3, 6))
    assert calendar.add_working_days(beijing(2027, 3, 5, 10), 1) == beijing(2027, 3, 8, 17)


def test_a_guessed_year_is_reported_so_an_admin_can_add_overrides(calendar):
    assert calendar.unknown_years() == []
    calendar.is_workday(date(2026, 12, 31))
    assert calendar.unknown_years() == []
    calendar.is_workday(date(2027, 1, 1))
    assert calendar.unknown_years() == [2027]


def test_a_year_with_some_overrides_is_still_reported_until_marked_entered():
    # The notice is entered a day at a time: a first row does not make the year known.
    calendar = WorkingCalendar(overrides={date(2027, 1, 1): False})
    calendar.is_workday(date(2027, 3, 5))
    assert calendar.unknown_years() == [2027]


def test_a_year_marked_entered_is_no_longer_reported_as_guessed():
    calendar = WorkingCalendar(overrides={date(2027, 1, 1): False}, entered_years={2027})
    calendar.is_workday(date(2027, 3, 5))
    assert calendar.unknown_years() == []


def test_a_calendar_without_any_working_day_fails_instead_of_looping_forever():
    start = date(2026, 3, 1)
    all_off = {start + timedelta(days=n): False for n in range(200)}
    with pytest.raises(ValueError, match="no working day"):
        WorkingCalendar(overrides=all_off).add_working_days(beijing(2026, 3, 1, 10), 1)


def test_working_hours_must_be_in_order():
    with pytest.raises(ValueError, match="work_start < lunch start"):
        WorkingCalendar(work_start=time(9), work_end=time(17), lunch=(time(13), time(12)))


# --- adding working days -------------------------------------------------------------------

def test_one_working_day_from_a_weekday_morning_is_the_end_of_the_next_working_day(calendar):
    assert calendar.add_working_days(beijing(2026, 3, 9, 9, 30), 1) == beijing(2026, 3, 10, 17)


def test_a_case_received_on_friday_evening_is_due_at_the_end_of_monday(calendar):
    assert calendar.add_working_days(beijing(2026, 3, 6, 20), 1) == beijing(2026, 3, 9, 17)


def test_a_case_received_on_a_weekend_is_due_at_the_end_of_monday(calendar):
    assert calendar.add_working_days(beijing(2026, 3, 7, 10), 1) == beijing(2026, 3, 9, 17)


def test_national_day_holidays_are_skipped_and_its_make_up_saturday_counts(calendar):
    dispatched = beijing(2026, 9, 30, 10)
    assert calendar.add_working_days(dispatched, 1) == beijing(2026, 10, 8, 17)
    # Oct 8, 9, 10 (make-up Saturday), 12, 13
    assert calendar.add_working_days(dispatched, 5) == beijing(2026, 10, 13, 17)


def test_a_make_up_sunday_is_a_working_day_to_count_on(calendar):
    assert calendar.add_working_days(beijing(2026, 9, 19, 18), 1) == beijing(2026, 9, 20, 17)


def test_spring_festival_is_skipped(calendar):
    assert calendar.add_working_days(beijing(2026, 2, 14, 10), 1) == beijing(2026, 2, 24, 17)


def test_an_override_day_off_pushes_the_deadline_to_the_next_working_day():
    calendar = WorkingCalendar(overrides={date(2026, 3, 10): False})
    assert calendar.add_working_days(beijing(2026, 3, 9, 10), 1) == beijing(2026, 3, 11, 17)


def test_an_override_working_saturday_can_be_the_due_day():
    calendar = WorkingCalendar(overrides={date(2026, 3, 14): True})
    assert calendar.add_working_days(beijing(2026, 3, 13, 10), 1) == beijing(2026, 3, 14, 17)


def test_days_are_counted_on_the_beijing_date_and_returned_in_the_zone_given(calendar):
    # Thursday 20:00 UTC is already Friday 04:00 in Beijing: due Monday, not Friday.
    due = calendar.add_working_days(datetime(2026, 3, 5, 20, tzinfo=UTC), 1)
    assert due == beijing(2026, 3, 9, 17)
    assert due.tzinfo is UTC


def test_a_naive_datetime_is_refused(calendar):
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_working_days(datetime(2026, 3, 9, 10), 1)


def test_zero_working_days_is_refused(calendar):
    with pytest.raises(ValueError, match="at least 1"):
        calendar.add_working_days(beijing(2026, 3, 9, 10), 0)


# --- adding working hours ----------------------------------------------------------------

def test_working_hours_skip_the_lunch_break(calendar):
    assert calendar.add_working_hours(beijing(2026, 3, 9, 11), 2) == beijing(2026, 3, 9, 14)


def test_working_hours_started_during_lunch_begin_after_it(calendar):
    assert calendar.add_working_hours(beijing(2026, 3, 9, 12, 30), 1) == beijing(2026, 3, 9, 14)


def test_working_hours_skip_the_night(calendar):
    assert calendar.add_working_hours(beijing(2026, 3, 9, 16), 2) == beijing(2026, 3, 10, 10)
    assert calendar.add_working_hours(beijing(2026, 3, 9, 20), 1) == beijing(2026, 3, 10, 10)


def test_working_hours_skip_the_weekend(calendar):
    assert calendar.add_working_hours(beijing(2026, 3, 6, 16), 3) == beijing(2026, 3, 9, 11)


def test_working_hours_skip_a_public_holiday(calendar):
    assert calendar.add_working_hours(beijing(2026, 9, 30, 16), 4) == beijing(2026, 10, 8, 12)


def test_a_full_working_day_of_hours_ends_at_close_of_the_same_day(calendar):
    assert calendar.add_working_hours(beijing(2026, 3, 9, 9), 7) == beijing(2026, 3, 9, 17)


def test_without_a_lunch_break_the_middle_of_the_day_counts():
    calendar = WorkingCalendar(lunch=None)
    assert calendar.add_working_hours(beijing(2026, 3, 9, 11), 2) == beijing(2026, 3, 9, 13)


def test_fractional_hours_are_allowed(calendar):
    assert calendar.add_working_hours(beijing(2026, 3, 9, 9), 1.5) == beijing(2026, 3, 9, 10, 30)


def test_working_hours_come_back_in_the_zone_given(calendar):
    due = calendar.add_working_hours(datetime(2026, 3, 9, 1, tzinfo=UTC), 1)
    assert due == datetime(2026, 3, 9, 2, tzinfo=UTC)
    assert due.tzinfo is UTC


# --- counting working days ---------------------------------------------------------------

def test_working_days_between_counts_days_after_the_start_up_to_the_end(calendar):
    assert calendar.working_days_between(beijing(2026, 9, 30, 10), beijing(2026, 10, 13, 9)) == 5
    assert calendar.working_days_between(beijing(2026, 3, 9, 9), beijing(2026, 3, 9, 17)) == 0


def test_working_days_between_is_negative_when_the_end_is_earlier(calendar):
    assert calendar.working_days_between(beijing(2026, 10, 13, 9), beijing(2026, 9, 30, 10)) == -5


def test_working_days_between_undoes_adding_working_days(calendar):
    start = beijing(2026, 2, 13, 15)
    for days in (1, 5, 12, 15):
        assert calendar.working_days_between(start, calendar.add_working_days(start, days)) == days


# --- case deadlines ----------------------------------------------------------------------

def test_default_profile_gives_one_five_and_twelve_working_days_across_national_day(calendar):
    assert due_times(DeadlineProfile(), beijing(2026, 9, 30, 10), calendar) == {
        "sign_due": beijing(2026, 10, 8, 17),
        "handling_due": beijing(2026, 10, 13, 17),
        "completion_due": beijing(2026, 10, 22, 17),
    }


def test_default_profile_across_spring_festival_counts_both_make_up_saturdays(calendar):
    assert due_times(DeadlineProfile(), beijing(2026, 2, 13, 10), calendar) == {
        "sign_due": beijing(2026, 2, 14, 17),
        "handling_due": beijing(2026, 2, 27, 17),
        "completion_due": beijing(2026, 3, 9, 17),
    }


def test_a_category_can_set_its_own_completion_days(calendar):
    due = due_times(DeadlineProfile(completion_days=3), beijing(2026, 3, 9, 10), calendar)
    assert due["completion_due"] == beijing(2026, 3, 12, 17)


def test_an_urgent_category_completes_in_working_hours(calendar):
    due = due_times(DeadlineProfile(urgent_hours=4), beijing(2026, 3, 9, 15), calendar)
    assert due["completion_due"] == beijing(2026, 3, 10, 11)


def test_an_urgent_category_never_allows_longer_to_sign_than_to_complete(calendar):
    due = due_times(DeadlineProfile(urgent_hours=4), beijing(2026, 3, 9, 15), calendar)
    assert due["sign_due"] == due["handling_due"] == beijing(2026, 3, 10, 11)


def test_a_profile_whose_maximum_is_below_its_completion_days_is_refused():
    with pytest.raises(ValueError):
        DeadlineProfile(completion_days=12, max_completion_days=10)


# --- extensions ----------------------------------------------------------------------------

def test_an_extension_up_to_fifteen_days_in_total_is_allowed(calendar):
    completion_due = beijing(2026, 10, 22, 17)
    assert extend(completion_due, 3, 0, DeadlineProfile(), calendar) == beijing(2026, 10, 27, 17)


def test_extensions_may_be_granted_in_steps_until_the_maximum(calendar):
    profile = DeadlineProfile()
    first = extend(beijing(2026, 10, 22, 17), 1, 0, profile, calendar)
    second = extend(first, 2, 1, profile, calendar)
    assert second == beijing(2026, 10, 27, 17)
    assert extension_days_left(profile, 3) == 0


def test_an_extension_past_fifteen_days_in_total_is_refused(calendar):
    with pytest.raises(ExtensionRefused, match="may not exceed 15"):
        extend(beijing(2026, 10, 22, 17), 4, 0, DeadlineProfile(), calendar)


def test_a_further_extension_after_the_maximum_is_refused(calendar):
    with pytest.raises(ExtensionRefused, match="3 already granted"):
        extend(beijing(2026, 10, 27, 17), 1, 3, DeadlineProfile(), calendar)


def test_a_refused_extension_is_a_value_error():
    assert issubclass(ExtensionRefused, ValueError)


def test_the_maximum_comes_from_the_profile(calendar):
    profile = DeadlineProfile(completion_days=5, max_completion_days=10)
    assert extend(beijing(2026, 3, 9, 17), 5, 0, profile, calendar) == beijing(2026, 3, 16, 17)


# --- reminders and overdue -----------------------------------------------------------------

def test_reminders_go_out_three_two_and_one_working_days_before(calendar):
    # due Tue Oct 13: Mon Oct 12, make-up Sat Oct 10, Fri Oct 9
    assert reminder_times(beijing(2026, 10, 13, 17), calendar) == [
        beijing(2026, 10, 9, 9), beijing(2026, 10, 10, 9), beijing(2026, 10, 12, 9),
    ]


def test_reminders_skip_a_public_holiday(calendar):
    assert reminder_times(beijing(2026, 10, 9, 17), calendar) == [
        beijing(2026, 9, 29, 9), beijing(2026, 9, 30, 9), beijing(2026, 10, 8, 9),
    ]


def test_reminders_already_past_are_dropped(calendar):
    reminders = reminder_times(beijing(2026, 10, 9, 17), calendar, now=beijing(2026, 10, 1, 8))
    assert reminders == [beijing(2026, 10, 8, 9)]


def test_reminder_days_are_configurable(calendar):
    assert reminder_times(beijing(2026, 3, 11, 17), calendar, days_before=(1,)) == [
        beijing(2026, 3, 10, 9),
    ]


def test_a_case_is_not_overdue_at_its_due_time_and_is_overdue_just_after():
    due = beijing(2026, 10, 13, 17)
    assert not is_overdue(due, now=due)
    assert is_overdue(due, now=due + timedelta(seconds=1))
