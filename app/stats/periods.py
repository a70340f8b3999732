"""The period a statistic covers: local (Asia/Shanghai) days from `from` to `to`, both included.

Checked before any SQL runs, each refusal a 400 with its own code: a date outside
[STATS_EARLIEST_DATE, today + one year] (`date_out_of_range`: 0001-01-01 or 9999-12-31 would
overflow the instants below), `from` after `to` (`invalid_range`), more than
STATS_MAX_RANGE_DAYS (`range_too_long`). A future `to` is allowed: deadlines falling later
this month are what 应结案 is about.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from app.core.clock import local_day, local_midnight
from app.core.errors import ApiError

FUTURE_LIMIT = timedelta(days=366)


@dataclass(frozen=True)
class Period:
    first: date  # first local day
    last: date   # last local day, included
    now: datetime

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """The instant after the last day (exclusive)."""
        return local_midnight(self.last + timedelta(days=1))

    @property
    def snapshot_at(self) -> datetime:
        """When "at the end of the period" is, for a period that has not ended yet: now."""
        return min(self.end, self.now)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def label(self) -> str:
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    def as_dict(self):
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def period(*, first=None, last=None, now):
    """The checked period; by default this month up to today."""
    today = local_day(now)
    last = last or today
    first = first or last.replace(day=1)
    for name, day in (("from", first), ("to", last)):
        ensure_in_range(name, day, today)
    if first > last:
        raise ApiError.bad_request("开始日期不能晚于结束日期 (from after to)", "invalid_range",
                                   fields={"from": ["after to"]})
    limit = current_app.config["STATS_MAX_RANGE_DAYS"]
    if (last - first).days + 1 > limit:
        raise ApiError.bad_request(f"统计范围最多 {limit} 天 (range too long)", "range_too_long",
                                   fields={"from": [f"at most {limit} days before to"]})
    return Period(first, last, now)


def ensure_in_range(name, day, today):
    earliest = date.fromisoformat(current_app.config["STATS_EARLIEST_DATE"])
    if not earliest <= day <= today + FUTURE_LIMIT:
        raise ApiError.bad_request(
            f"日期 {day.isoformat()} 超出可统计范围 (date out of range)", "date_out_of_range",
            fields={name: [f"between {earliest.isoformat()} and {(today + FUTURE_LIMIT).isoformat()}"]})


def month_period(month, now):
    """A calendar month, "2024-05", for the bulletin."""
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return period(first=first, last=after - timedelta(days=1), now=now)
