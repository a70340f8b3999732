"""SQL pieces the statistics share, written once for PostgreSQL and SQLite.

Timestamps are stored as naive UTC; a figure belongs to the office's local day (TIMEZONE).
PostgreSQL converts with the zone's rules; SQLite has no time zones, so it adds the zone's
current offset (exact for Asia/Shanghai, which has kept +08:00 since 1991).
"""
from datetime import datetime, timedelta

from sqlalchemy import Date, Integer, String, cast, column, func, literal, values

from app.core.clock import local_zone
from app.core.extensions import db

BUCKETS = ("day", "week", "month")


def dialect():
    return db.session.get_bind().dialect.name


def local_timestamp(col):
    return func.timezone(local_zone().key, func.timezone("UTC", col))


def sqlite_offset():
    minutes = int(datetime.now(local_zone()).utcoffset().total_seconds() // 60)
    return f"{minutes:+d} minutes"


def local_date(col):
    """The local calendar day of a stored timestamp (a date on PostgreSQL, ISO text on SQLite)."""
    if dialect() == "postgresql":
        return cast(local_timestamp(col), Date)
    return func.date(col, sqlite_offset())


def bucket(col, size):
    """The first local day of the day, ISO week (from Monday) or month that `col` falls in."""
    if size == "day":
        return local_date(col)
    if dialect() == "postgresql":
        return cast(func.date_trunc(size, local_timestamp(col)), Date)
    if size == "week":  # to the coming Sunday (or today's), then back to its Monday
        return func.date(col, sqlite_offset(), "weekday 0", "-6 days")
    return func.date(col, sqlite_offset(), "start of month")


def days_before(day, n):
    """A local date (as local_date() gives it) moved n days back."""
    if dialect() == "postgresql":
        return day - n
    return func.date(day, f"-{n} days")


def constant(value="*"):
    return literal(value, String)


def prefix(col, length):
    return func.substr(col, 1, length)


def workday_numbers(first, last, calendar):
    """A VALUES table (day, n): n counts the working days from `first` up to and including `day`,
    so working days after a dispatch up to its feedback are n(feedback) − n(dispatch), exactly
    as WorkingCalendar.working_days_between counts them."""
    rows, n, day = [], 0, first
    while day <= last:
        n += calendar.is_workday(day)
        rows.append((day, n))
        day += timedelta(days=1)
    return values_cte("workdays", (column("day", Date), column("n", Integer)), rows)


def values_cte(name, columns, rows):
    # A CTE, not a VALUES derived table: SQLite cannot name a derived table's columns.
    return values(*columns, name=name).data(rows).cte(name)


def iso(key):
    """Group keys come back as dates on PostgreSQL and as text on SQLite: one form for both."""
    return key.isoformat() if hasattr(key, "isoformat") else key
