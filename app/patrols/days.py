"""Local calendar days: a patrol belongs to the Asia/Shanghai day of its sign-in, not the UTC one."""
from datetime import datetime, time, timedelta

from flask import current_app

from app.core.clock import local_day, local_zone
from app.core.errors import ApiError


def cutoff_time():
    hours, _, minutes = current_app.config["PATROL_CUTOFF"].partition(":")
    return time(int(hours), int(minutes or 0))


def cutoff_at(day):
    """The aware instant of `day`'s cut-off (e.g. 20:00 local)."""
    return datetime.combine(day, cutoff_time(), tzinfo=local_zone())


def latest_closed_day(now):
    """The most recent day whose cut-off has passed: today after the cut-off, else yesterday.

    Yesterday too, so a sweeper that was down at the cut-off still records that day later.
    """
    today = local_day(now)
    return today if now >= cutoff_at(today) else today - timedelta(days=1)


def ensure_not_future(day, now, field="date"):
    if day is not None and day > local_day(now):
        raise ApiError.bad_request(f"日期 {day.isoformat()} 尚未到来 (date in the future)", "date_in_future",
                                   fields={field: ["in the future"]})
    return day


def days_between(start, end):
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
