"""UTC timestamps that come back timezone-aware on every database.

SQLite drops tzinfo; PostgreSQL keeps it. Storing naive UTC and re-attaching UTC on
the way out gives the same aware datetimes everywhere, so comparisons never mix
naive and aware values.
"""
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.types import DateTime, TypeDecorator


def utcnow():
    return datetime.now(UTC)


def local_zone():
    """The office's wall clock (Asia/Shanghai): days, cut-offs and references are local."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_day(at):
    return at.astimezone(local_zone()).date()


def local_midnight(day):
    return datetime.combine(day, time(0), tzinfo=local_zone())


def local_text(at, fmt="%Y-%m-%d %H:%M"):
    return at.astimezone(local_zone()).strftime(fmt)


class UTCDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware one (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None
