"""A year the State Council has not yet scheduled (2027 with chinese-calendar 1.11.0):
counted on the holiday regulation's own days off, and the alert that it is missing.

2027 from the lunar calendar (lunar_python): 春节 (正月初一) Sat 6 Feb, so 除夕 Fri 5 Feb;
清明 Mon 5 Apr; 端午 Wed 9 Jun; 中秋 Wed 15 Sep. 1–2 May are a Saturday and Sunday,
2–3 Oct a Saturday and Sunday, 6–7 Feb a Saturday and Sunday.
"""
from datetime import date, timedelta

import chinese_calendar
import pytest

from app.cases.deadlines import DeadlineProfile, WorkingCalendar, due_times
from app.cases.holidays import calendar_alert, qingming, spring_festival, statutory_holidays
from tests.cases.conftest import SHANGHAI, beijing, calendar  # noqa: F401  (a fixture)

# --- the fallback's days off -----------------------------------------------------------------

def test_new_years_day_2027_is_not_a_working_day(calendar):
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.add_working_days(beijing(2026, 12, 31, 10), 1) == beijing(2027, 1, 4, 17)


def test_spring_festival_2027_from_new_years_eve_to_the_third_day_is_skipped(calendar):
    assert spring_festival(2027) == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    assert not any(calendar.is_workday(date(2027, 2, day)) for day in (5, 8))
    # Sat 6 and Sun 7 Feb are given back on Tue 9 and Wed 10 (第六条 补假).
    assert calendar.add_working_days(beijing(2027, 2, 4, 10), 1) == beijing(2027, 2, 11, 17)


def test_qingming_dragon_boat_and_mid_autumn_2027_are_skipped(calendar):
    for holiday in (date(2027, 4, 5), date(2027, 6, 9), date(2027, 9, 15)):
        eve = beijing(holiday.year, holiday.month, holiday.day - 1, 10)
        assert not calendar.is_workday(holiday)
        assert calendar.add_working_days(eve, 1) == beijing(holiday.year, holiday.month, holiday.day + 1, 17)


def test_labour_day_and_national_day_on_a_weekend_are_given_back_on_the_next_weekdays(calendar):
    assert not any(calendar.is_workday(date(2027, 5, day)) for day in (3, 4))
    assert calendar.is_workday(date(2027, 5, 5))
    # Fri 1 Oct off, Sat 2 and Sun 3 given back on Mon 4 and Tue 5.
    assert calendar.add_working_days(beijing(2027, 9, 30, 10), 1) == beijing(2027, 10, 6, 17)


def test_a_mid_autumn_on_national_day_is_given_back_after_it():
    # 2028: 中秋 is 3 October, one of National Day's own days; Sun 1 Oct is given back too.
    days_off = statutory_holidays(2028)
    assert {date(2028, 10, day) for day in (2, 3, 4, 5)} <= days_off
    assert date(2028, 10, 6) not in days_off


def test_qingming_is_the_solar_term_day_of_each_year():
    assert qingming(2027) == date(2027, 4, 5)
    assert qingming(2028) == date(2028, 4, 4)


def test_the_fallback_has_no_make_up_working_days(calendar):
    saturdays = [date(2027, 1, 2) + timedelta(weeks=n) for n in range(52)]
    assert not any(calendar.is_workday(day) for day in saturdays)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_fallback_never_gives_a_day_off_the_state_council_had_staff_work(year):
    # The two years published under the 2024 amendment: every day the regulation alone gives
    # off was off in the real schedule too; the notices only added days off and make-up days.
    assert [day for day in statutory_holidays(year) if chinese_calendar.is_workday(day)] == []


def test_the_calendar_takes_its_fallback_as_a_function_of_the_year():
    calendar = WorkingCalendar(fallback=lambda year: set())
    assert calendar.is_workday(date(2027, 1, 1))


def test_an_entered_year_is_exactly_its_entered_days_without_the_regulations_guess():
    calendar = WorkingCalendar(overrides={date(2027, 1, 1): False, date(2027, 2, 20): True},
                               entered_years={2027})
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.is_workday(date(2027, 2, 20))  # a make-up Saturday
    assert calendar.is_workday(date(2027, 2, 9))   # the guessed 补假, not in this notice


def test_a_year_chinese_calendar_knows_ignores_the_fallback(calendar):
    # 2026's notice gave Spring Festival nine days (15–23 Feb) and a make-up Saturday,
    # where the regulation alone has four (16–19 Feb) and no make-up days.
    assert calendar.is_workday(date(2026, 2, 28))
    assert not calendar.is_workday(date(2026, 2, 23))


# --- provisional deadlines -----------------------------------------------------------------

def test_a_2026_only_deadline_is_not_provisional(calendar):
    dispatched = beijing(2026, 12, 1, 10)
    due = due_times(DeadlineProfile(), dispatched, calendar)["completion_due"]
    assert due == beijing(2026, 12, 17, 17)
    assert not calendar.spans_unknown_year(dispatched, due)


def test_a_deadline_crossing_into_2027_is_provisional_until_2027_is_entered(calendar):
    dispatched = beijing(2026, 12, 20, 10)
    due = due_times(DeadlineProfile(), dispatched, calendar)["completion_due"]
    assert due == beijing(2027, 1, 6, 17)  # 1 Jan skipped
    assert calendar.spans_unknown_year(dispatched, due)
    assert not WorkingCalendar(entered_years={2027}).spans_unknown_year(dispatched, due)


def test_working_hours_on_a_day_of_an_unknown_year_are_provisional(calendar):
    start = beijing(2027, 1, 4, 9)
    assert calendar.unknown_years_between(start, calendar.add_working_hours(start, 4)) == [2027]


# --- the alert ---------------------------------------------------------------------------------

def test_the_calendar_alert_appears_from_1_november_and_not_on_31_october():
    assert calendar_alert(date(2026, 10, 31), known_years={2026}) is None
    assert calendar_alert(date(2026, 11, 1), known_years={2026}) == \
        "2027年法定节假日安排尚未录入，期限按暂定规则计算"


def test_the_calendar_alert_goes_once_next_year_is_known():
    assert calendar_alert(date(2026, 12, 1), known_years={2026, 2027}) is None


def test_a_year_under_way_without_its_notice_is_alerted_all_year():
    assert calendar_alert(date(2027, 3, 1), known_years={2026}) == \
        "2027年法定节假日安排尚未录入，期限按暂定规则计算"
    assert calendar_alert(date(2027, 11, 1), known_years=set()).startswith("2027、2028年")
