"""Working-day calendar and case deadline arithmetic ("1、5、15"), as pure functions.

Jinshan counts deadlines in working days: Chinese public holidays are off and make-up
working days (调休, a Saturday or Sunday that is worked) count. The `chinese-calendar`
package knows the State Council's schedule up to the year it was released; an editable
override table (passed in as a mapping) covers corrections and later years. A later year
not yet entered is counted on the regulation's own holidays (app/cases/holidays.py), and
deadlines that touch it are provisional (`spans_unknown_year`).

Rules chosen here (see also each function's docstring):
- Day counting starts on the NEXT working day after the local date of the start; a
  deadline of N working days is due at `work_end` of the Nth such day. So a case
  dispatched at 10:00 on a Monday with 1 day is due Tuesday 17:00, and one dispatched on
  a Friday evening is due Monday 17:00. The time of day of the start never matters.
- Hour counting uses only working hours: within [work_start, work_end] of working days,
  minus the lunch break when one is configured.
- All day arithmetic happens in the calendar's zone (Asia/Shanghai). Datetimes must be
  timezone-aware; results come back in the zone of the datetime passed in.
- Time is always passed in; nothing here reads the clock.
"""
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import chinese_calendar

from app.cases.holidays import statutory_holidays

# Longest run of days off we accept before deciding the calendar is broken (e.g. an
# override table that turns a whole year off), instead of looping forever.
MAX_DAYS_WITHOUT_WORK = 60

DEFAULT_LUNCH = (time(12, 0), time(13, 0))


class ExtensionRefused(ValueError):
    """An extension (延期) would push completion past the profile's maximum."""


class WorkingCalendar:
    """Which days are worked and when, with the arithmetic built on that.

    `overrides` maps a date to True (a working day) or False (a day off) and wins over
    chinese-calendar. It is copied at construction: rebuild the calendar when the table
    changes. Years chinese-calendar does not know fall back to Monday–Friday minus
    `fallback(year)` (the holiday regulation's own days off by default) and are reported
    by `unknown_years()`, until an operator has entered that year's notice in full as
    overrides and listed it in `entered_years`: from then on it is Monday–Friday plus
    its overrides, like any year the package knows.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None,
                 work_start=time(9, 0), work_end=time(17, 0),
                 lunch: tuple[time, time] | None = DEFAULT_LUNCH,
                 tz: str | tzinfo = "Asia/Shanghai",
                 fallback: Callable[[int], Collection[date]] = statutory_holidays,
                 entered_years: Iterable[int] = ()):
        self.overrides = dict(overrides or {})
        self.fallback, self.entered_years = fallback, frozenset(entered_years)
        self.work_start, self.work_end, self.lunch = work_start, work_end, lunch
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._guessed_years: set[int] = set()
        _check_hours(work_start, work_end, lunch)

    # --- which days are worked -------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return bool(self.overrides[day])
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return self._beyond_chinese_calendar(day)

    def _beyond_chinese_calendar(self, day: date) -> bool:
        # An entered year is exactly its notice: every day off and make-up day is a row,
        # so the regulation's guess no longer applies (a notice may move a 补假 day).
        if day.year in self.entered_years:
            return day.weekday() < 5
        self._guessed_years.add(day.year)
        return day.weekday() < 5 and day not in self.fallback(day.year)

    def unknown_years(self) -> list[int]:
        """Years answered by the fallback so far (never an entered one).

        Override rows alone do not make a year known: the notice is entered one day at
        a time, and a half-entered year must stay reported (and its deadlines
        provisional) until the operator says it is complete. Only years actually asked
        about can appear.
        """
        return sorted(self._guessed_years)

    def is_known_year(self, year: int) -> bool:
        """chinese-calendar has the State Council's schedule, or an operator entered it."""
        return year in self.entered_years or _in_chinese_calendar(year)

    def unknown_years_between(self, start: datetime, end: datetime) -> list[int]:
        """Unknown years that counting from `start` to `end` may have used a day of.

        Judged by the years of the two local dates, both included: hour counting uses
        the start day itself, and a deadline is never earlier than its start's year.
        """
        first, last = self.local(start).date().year, self.local(end).date().year
        return [year for year in range(first, last + 1) if not self.is_known_year(year)]

    def spans_unknown_year(self, start: datetime, end: datetime) -> bool:
        """Whether a deadline counted from `start` to `end` is provisional."""
        return bool(self.unknown_years_between(start, end))

    def next_workday(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self._step_to_workday(day, +1)

    def previous_workday(self, day: date) -> date:
        """The last working day strictly before `day`."""
        return self._step_to_workday(day, -1)

    def _step_to_workday(self, day: date, direction: int) -> date:
        for offset in range(1, MAX_DAYS_WITHOUT_WORK + 1):
            candidate = day + timedelta(days=direction * offset)
            if self.is_workday(candidate):
                return candidate
        raise ValueError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days of {day}; "
                         "check the calendar overrides")

    # --- local time helpers -----------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        _require_aware(moment)
        return moment.astimezone(self.tz)

    def at(self, day: date, clock: time) -> datetime:
        # Asia/Shanghai has had no DST since 1991, so combining is unambiguous.
        return datetime.combine(day, clock, tzinfo=self.tz)

    def working_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The stretches of working time on `day` (none on a day off)."""
        if not self.is_workday(day):
            return []
        if self.lunch is None:
            return [(self.at(day, self.work_start), self.at(day, self.work_end))]
        return [(self.at(day, self.work_start), self.at(day, self.lunch[0])),
                (self.at(day, self.lunch[1]), self.at(day, self.work_end))]

    # --- arithmetic ---------------------------------------------------------------------

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of working hours on the `days`-th working day after the start's local date.

        The start day itself never counts, whatever the hour, so staff always get whole
        working days. `days` must be at least 1.
        """
        if days < 1:
            raise ValueError(f"working days must be at least 1, got {days}")
        day = self.local(start).date()
        for _ in range(days):
            day = self.next_workday(day)
        return self.at(day, self.work_end).astimezone(start.tzinfo)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of working time have passed since `start`.

        Nights, lunch, weekends and holidays do not count. A result landing exactly at
        the end of a working stretch stays there (8 h from 09:00 is 17:00, not 09:00 of
        the next day). Zero hours returns `start` unchanged.
        """
        if hours < 0:
            raise ValueError(f"working hours cannot be negative, got {hours}")
        remaining = timedelta(hours=hours)
        if not remaining:
            return start
        for begin, end in self._working_periods_from(self.local(start)):
            if remaining <= end - begin:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= end - begin
        raise AssertionError("unreachable: working periods never run out")

    def _working_periods_from(self, cursor: datetime):
        """Working stretches from `cursor` on, the first one clipped to start at it."""
        day = cursor.date()
        while True:
            for begin, end in self.working_periods(day):
                if end > cursor:
                    yield max(begin, cursor), end
            day = self.next_workday(day)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days d with start's local date < d <= end's local date.

        Negative when `end` is before `start`. It inverts `add_working_days`:
        working_days_between(s, add_working_days(s, n)) == n. Use it as
        working_days_between(now, due) for "due in N working days" and
        working_days_between(due, now) for "overdue by N working days".
        """
        first, last = self.local(start).date(), self.local(end).date()
        if last < first:
            return -self.working_days_between(end, start)
        return sum(1 for offset in range(1, (last - first).days + 1)
                   if self.is_workday(first + timedelta(days=offset)))


@dataclass(frozen=True)
class DeadlineProfile:
    """A category's deadlines, in working days (urgent completion in working hours).

    `urgent_hours`, when set, replaces `completion_days` for the first completion due
    time. `max_completion_days` caps completion days plus all extensions.
    """
    sign_days: int = 1
    first_handling_days: int = 5
    completion_days: int = 12
    max_completion_days: int = 15
    urgent_hours: float | None = None

    def __post_init__(self):
        if self.max_completion_days < self.completion_days:
            raise ValueError("max_completion_days must not be below completion_days")


def due_times(profile: DeadlineProfile, dispatched_at: datetime,
              calendar: WorkingCalendar) -> dict[str, datetime]:
    """Sign, first-handling and completion due times for a case dispatched at a moment.

    For an urgent profile the earlier stages are capped at the completion time: a
    department cannot be allowed longer to sign for a job than to finish it.
    """
    completion = _completion_due(profile, dispatched_at, calendar)
    sign = calendar.add_working_days(dispatched_at, profile.sign_days)
    handling = calendar.add_working_days(dispatched_at, profile.first_handling_days)
    return {"sign_due": min(sign, completion),
            "handling_due": min(handling, completion),
            "completion_due": completion}


def _completion_due(profile, dispatched_at, calendar):
    if profile.urgent_hours is not None:
        return calendar.add_working_hours(dispatched_at, profile.urgent_hours)
    return calendar.add_working_days(dispatched_at, profile.completion_days)


def extension_days_left(profile: DeadlineProfile, already_extended_days: int) -> int:
    return max(0, profile.max_completion_days - profile.completion_days - already_extended_days)


def extend(completion_due: datetime, working_days: int, already_extended_days: int,
           profile: DeadlineProfile, calendar: WorkingCalendar) -> datetime:
    """The completion due time moved `working_days` later (延期).

    Refused with ExtensionRefused when completion days plus all extensions, this one
    included, would exceed `profile.max_completion_days`.
    """
    if working_days < 1:
        raise ValueError(f"an extension must be at least 1 working day, got {working_days}")
    left = extension_days_left(profile, already_extended_days)
    if working_days > left:
        raise ExtensionRefused(
            f"extension of {working_days} working day(s) refused: {already_extended_days} "
            f"already granted, at most {left} more allowed "
            f"({profile.completion_days} + extensions may not exceed "
            f"{profile.max_completion_days} working days)")
    return calendar.add_working_days(completion_due, working_days)


def reminder_times(due: datetime, calendar: WorkingCalendar, days_before=(3, 2, 1),
                   now: datetime | None = None) -> list[datetime]:
    """Start of working hours on each day that is N working days before the due day.

    Counted from the due time's local date (working days strictly before it). Reminders
    earlier than `now`, when given, are dropped. Sorted, without duplicates, in the zone
    of `due`.
    """
    due_day = calendar.local(due).date()
    moments = {calendar.at(_workdays_before(calendar, due_day, n), calendar.work_start)
               for n in days_before}
    kept = (m for m in moments if now is None or m >= now)
    return sorted(m.astimezone(due.tzinfo) for m in kept)


def _workdays_before(calendar, day, count):
    if count < 1:
        raise ValueError(f"reminders need at least 1 working day before, got {count}")
    for _ in range(count):
        day = calendar.previous_workday(day)
    return day


def is_overdue(due: datetime, now: datetime) -> bool:
    """Past due strictly after the due moment; at the due moment itself it is still on time."""
    _require_aware(due)
    _require_aware(now)
    return now > due


def _in_chinese_calendar(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _require_aware(moment: datetime):
    # A naive datetime could be UTC or Beijing time; guessing would shift deadlines by 8 h.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got naive {moment}")


def _check_hours(work_start, work_end, lunch):
    points = [work_start, *(lunch or ()), work_end]
    if any(a >= b for a, b in zip(points, points[1:])):
        raise ValueError("working hours must run work_start < lunch start < lunch end < work_end")
