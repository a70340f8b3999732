"""Public holidays fixed by law, for years the State Council has not yet scheduled.

Pure functions: a year in, dates out; nothing here reads the clock or the database.

Each year the State Council publishes the next year's holiday notice (放假安排) in
November or December, and `chinese-calendar` learns it in a later release. Until then a
deadline running into that year cannot wait: it is counted on Monday–Friday minus the
holidays that 《全国年节及纪念日放假办法》(as amended in 2024) itself fixes, with their
dates from the lunar calendar (`lunar_python`, 6tail's well-kept lunar library):

- 第二条: 元旦 1 Jan; 春节 除夕 to 正月初三 (4 days); 清明 (the solar-term day);
  劳动节 1–2 May; 端午 (lunar 5/5); 中秋 (lunar 8/15); 国庆 1–3 Oct.
- 第六条: a holiday falling on a Saturday or Sunday is given back on a working day
  (补假). We give it back on the first weekdays after that festival, as the State
  Council does (2023: 元旦 on a Sunday, Monday 2 January off).

Make-up working days (调休) and the longer breaks built from them are the notice's own
choice and cannot be known in advance: the fallback has none. Deadlines counted on it
are provisional and recomputed once the year's notice is entered.
"""
from collections.abc import Collection
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar, Solar

SPRING_FESTIVAL_DAYS = 4  # 除夕 and 正月初一 to 初三


@lru_cache(maxsize=32)
def statutory_holidays(year: int) -> frozenset[date]:
    """Every day off the holiday regulation alone gives in `year`, 补假 included."""
    days_off: set[date] = set()
    for festival in festivals(year):
        days_off |= with_days_given_back(festival, days_off)
    return frozenset(days_off)


def festivals(year: int) -> list[list[date]]:
    """The regulation's festivals in `year`, each as its run of days off, in date order."""
    runs = [[date(year, 1, 1)], spring_festival(year), [qingming(year)],
            [date(year, 5, 1), date(year, 5, 2)], [lunar_day(year, 5, 5)],
            [lunar_day(year, 8, 15)], [date(year, 10, 1), date(year, 10, 2), date(year, 10, 3)]]
    return sorted(runs)


def spring_festival(year: int) -> list[date]:
    # 除夕 is the day before 正月初一, whether the twelfth month has 29 days or 30.
    new_year_eve = lunar_day(year, 1, 1) - timedelta(days=1)
    return [new_year_eve + timedelta(days=n) for n in range(SPRING_FESTIVAL_DAYS)]


def qingming(year: int) -> date:
    """The day of the 清明 solar term, which always falls between 3 and 6 April."""
    for day in range(3, 7):
        if Solar.fromYmd(year, 4, day).getLunar().getJieQi() == "清明":
            return date(year, 4, day)
    raise ValueError(f"no 清明 solar term found in early April {year}")


def lunar_day(year: int, month: int, day: int) -> date:
    """The Gregorian date of a day of the lunar year that starts in `year` (never a leap month)."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def with_days_given_back(festival: list[date], taken: set[date]) -> set[date]:
    """The festival's days, plus a weekday after it for each one lost to a weekend (第六条)
    or to an earlier festival on the same day (中秋 on 1–3 October)."""
    lost = sum(1 for day in festival if day.weekday() >= 5 or day in taken)
    days = set(festival)
    day = festival[-1]
    while lost:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in taken and day not in days:
            days.add(day)
            lost -= 1
    return days


# The notice for the next year usually comes out in November or December: from this day
# on, staff are reminded until it has been entered.
ALERT_FROM = (11, 1)  # (month, day)


def calendar_alert(today: date, known_years: Collection[int]) -> str | None:
    """The staff warning for `today` (a local date), or None when nothing is missing.

    `known_years` are the years whose schedule is known (chinese-calendar or entered by
    an operator); only this year and, from 1 November, the next one are checked.
    """
    missing = [year for year in alert_years(today) if year not in known_years]
    if not missing:
        return None
    return f"{'、'.join(map(str, missing))}年法定节假日安排尚未录入，期限按暂定规则计算"


def alert_years(today: date) -> list[int]:
    if (today.month, today.day) >= ALERT_FROM:
        return [today.year, today.year + 1]
    return [today.year]
