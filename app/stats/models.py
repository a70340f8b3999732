from app.core.clock import UTCDateTime
from app.core.extensions import db

# The additive measures the daily rollup keeps, each counted on the local day of its own event.
ROLLED = ("accepted", "rejected", "due", "due_on_time", "fed_back", "handling_days", "dispatches", "returns",
          "extended", "verified", "reworked", "supervised", "supervised_phone", "supervised_written",
          "supervised_on_site", "supervised_meeting", "received", "rated", "satisfied",
          # closed on time that day with the deadline in a later day / ISO week / month (应结案 there too)
          "early_day", "early_week", "early_month")
NO_DEPARTMENT = ""  # part of the primary key, so "not dispatched" is a value, not NULL


class Measures:
    """The rolled measures: the columns of both rollup tables."""

    accepted = db.Column(db.Integer, nullable=False, default=0)
    rejected = db.Column(db.Integer, nullable=False, default=0)
    due = db.Column(db.Integer, nullable=False, default=0)
    due_on_time = db.Column(db.Integer, nullable=False, default=0)
    fed_back = db.Column(db.Integer, nullable=False, default=0)
    handling_days = db.Column(db.Integer, nullable=False, default=0)
    dispatches = db.Column(db.Integer, nullable=False, default=0)
    returns = db.Column(db.Integer, nullable=False, default=0)
    extended = db.Column(db.Integer, nullable=False, default=0)
    verified = db.Column(db.Integer, nullable=False, default=0)
    reworked = db.Column(db.Integer, nullable=False, default=0)
    supervised = db.Column(db.Integer, nullable=False, default=0)
    supervised_phone = db.Column(db.Integer, nullable=False, default=0)
    supervised_written = db.Column(db.Integer, nullable=False, default=0)
    supervised_on_site = db.Column(db.Integer, nullable=False, default=0)
    supervised_meeting = db.Column(db.Integer, nullable=False, default=0)
    received = db.Column(db.Integer, nullable=False, default=0)
    rated = db.Column(db.Integer, nullable=False, default=0)
    satisfied = db.Column(db.Integer, nullable=False, default=0)
    early_day = db.Column(db.Integer, nullable=False, default=0)
    early_week = db.Column(db.Integer, nullable=False, default=0)
    early_month = db.Column(db.Integer, nullable=False, default=0)


class StatsDaily(Measures, db.Model):
    """The statistics rollup (app/stats/rollup.py): per street, local day, community and department.

    Kept by the sweeper (days touched since its last round, and a trailing window once a day)
    and by `flask stats rollup`; a table asks it only for days it covers (StatsRollupState).
    The street leads the key, so a street's year is one range of it.
    """

    __tablename__ = "stats_daily"

    street_code = db.Column(db.String(15), primary_key=True)
    day = db.Column(db.Date, primary_key=True)
    community_code = db.Column(db.String(15), primary_key=True)
    department_code = db.Column(db.String(20), primary_key=True)


class StatsDailyStreet(Measures, db.Model):
    """The same per day, street and department, summed from stats_daily: ~150 rows a day for the
    district where stats_daily has ~1,700; read by every table not grouped by community."""

    __tablename__ = "stats_daily_street"

    day = db.Column(db.Date, primary_key=True)
    street_code = db.Column(db.String(15), primary_key=True)
    department_code = db.Column(db.String(20), primary_key=True)


class StatsDailyCategory(Measures, db.Model):
    """The same per day, street, department and category: the tables by category (kind, major
    class, category), category filters and the top categories. Categories fix the department
    but for returns, so it has ~600 rows a day."""

    __tablename__ = "stats_daily_category"

    day = db.Column(db.Date, primary_key=True)
    street_code = db.Column(db.String(15), primary_key=True)
    department_code = db.Column(db.String(20), primary_key=True)
    category_code = db.Column(db.String(10), primary_key=True)


class StatsRollupState(db.Model):
    """One row: from which day the rollup is complete, and when the sweeper last caught up."""

    __tablename__ = "stats_rollup_state"

    id = db.Column(db.Integer, primary_key=True)
    covered_from = db.Column(db.Date)     # every day from here on is in stats_daily
    swept_at = db.Column(UTCDateTime)     # changes since then are not rolled up yet
    window_day = db.Column(db.Date)       # the local day the trailing window was last rebuilt
