from sqlalchemy import and_

from app.cases import deadlines
from app.core.clock import UTCDateTime, utcnow
from app.core.extensions import db

ON_CLOCK_INCLUDE = ("sign_due_at", "handling_due_at", "signed_at", "handled_at", "dispatched_at", "status",
                    "street_code", "community_code", "cell_code", "department_code", "category_code", "source")
OPEN_STATUSES = ("pending", "accepted", "dispatched", "in_progress", "handled")
CLOSED_STATUSES = ("closed", "rejected", "merged")
# The department's clock runs only while the case is with it: once fed back (handled), a
# late verification is the street's delay, so a handled case is never overdue.
CLOCK_STATUSES = ("dispatched", "in_progress")


def is_overdue(case, now):
    """Past its due time while on the department's clock: the one rule, for a loaded case."""
    return case.status in CLOCK_STATUSES and case.due_at is not None and deadlines.is_overdue(case.due_at, now)


def overdue_clause(now):
    """The same rule as is_overdue(), as SQL, for lists, filters and the sweep."""
    return and_(Case.status.in_(CLOCK_STATUSES), Case.due_at.is_not(None), Case.due_at < now)


class Case(db.Model):
    """The work item staff manage (案卷); one or more reports point at it."""

    __tablename__ = "cases"
    # The inbox's common lists and counters, measured on 1,000,000 cases (bench/inbox_queries.py):
    # each scope (street, department) with its sorts, status filters and deadlines.
    __table_args__ = (
        db.Index("ix_cases_street_created", "street_code", "created_at", "id"),
        db.Index("ix_cases_street_status_created", "street_code", "status", "created_at"),
        db.Index("ix_cases_street_status_due", "street_code", "status", "due_at"),
        # sort=due_at as the inbox writes it: cases without a deadline last, on any database.
        db.Index("ix_cases_street_due_sort", "street_code", db.text("(due_at IS NULL)"), "due_at", "id"),
        db.Index("ix_cases_street_category_created", "street_code", "category_code", "created_at", "id"),
        db.Index("ix_cases_department_created", "department_code", "created_at", "id"),
        db.Index("ix_cases_department_status_due", "department_code", "status", "due_at"),
        db.Index("ix_cases_status_due", "status", "due_at"),
        db.Index("ix_cases_cell_created", "cell_code", "created_at", "id"),
        db.Index("ix_cases_open_place", "category_code", "wgs_lat", "wgs_lng"),
        # Assessment statistics (app/stats) count each figure by the time of its own event, in a
        # range of one of these; the scope's index (street, department) is ANDed in by bitmap.
        # Measured on 1,000,000 cases: bench/stats_queries.py.
        db.Index("ix_cases_accepted_at", "accepted_at"),
        db.Index("ix_cases_closed_at", "closed_at"),
        db.Index("ix_cases_handled_at", "handled_at"),
        db.Index("ix_cases_due_at", "due_at"),
        # Few rows each: cases closed after their deadline (结案 before a period's end), and
        # cases with several reports (repeat groups).
        db.Index("ix_cases_late_closed", "due_at", postgresql_where=db.text("status = 'closed' AND closed_at > due_at"),
                 sqlite_where=db.text("status = 'closed' AND closed_at > due_at")),
        db.Index("ix_cases_report_count", "report_count"),
        # Overdue at the end of a running period: the cases on the department's clock, with what
        # the overdue rule and the groupings read (an index-only scan; PostgreSQL only INCLUDEs).
        db.Index("ix_cases_on_clock", "due_at", postgresql_include=list(ON_CLOCK_INCLUDE),
                 postgresql_where=db.text("status IN ('dispatched', 'in_progress')"),
                 sqlite_where=db.text("status IN ('dispatched', 'in_progress')")),
    )

    id = db.Column(db.Integer, primary_key=True)
    ref = db.Column(db.String(24), unique=True)
    status = db.Column(db.String(12), nullable=False, default="pending")
    category_code = db.Column(db.String(10), db.ForeignKey("categories.code"), nullable=False)
    cell_code = db.Column(db.String(15), db.ForeignKey("grid_units.code"), nullable=False)
    community_code = db.Column(db.String(15), nullable=False)
    street_code = db.Column(db.String(15), nullable=False)
    department_code = db.Column(db.String(20), db.ForeignKey("departments.code"))
    wgs_lat = db.Column(db.Float, nullable=False)  # the first report's place
    wgs_lng = db.Column(db.Float, nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    accepted_at = db.Column(UTCDateTime)
    dispatched_at = db.Column(UTCDateTime)
    signed_at = db.Column(UTCDateTime)
    handled_at = db.Column(UTCDateTime)
    closed_at = db.Column(UTCDateTime)
    sign_due_at = db.Column(UTCDateTime)
    handling_due_at = db.Column(UTCDateTime)
    due_at = db.Column(UTCDateTime)  # completion deadline
    extended_days = db.Column(db.Integer, nullable=False, default=0)
    # Counted across a year whose holiday notice is not yet entered (holidays.py's
    # fallback): recomputed, and cleared, once it is (app/cases/recount.py).
    deadlines_provisional = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    rework_count = db.Column(db.Integer, nullable=False, default=0)
    reject_reason = db.Column(db.Text)
    merged_into_id = db.Column(db.Integer, db.ForeignKey("cases.id"))
    supervision = db.Column(db.String(10))  # 督办: phone|written|on_site|meeting
    flagged = db.Column(db.Boolean, nullable=False, default=False)
    report_count = db.Column(db.Integer, nullable=False, default=0)
    # The first report's channel (reports.SOURCES), copied at creation: statistics group and
    # filter cases by source in SQL, without a join to the earliest report of each case.
    source = db.Column(db.String(20), nullable=False, default="miniprogram", server_default="miniprogram")
    version = db.Column(db.Integer, nullable=False, default=1)  # compare-and-set guard

    reports = db.relationship("Report", back_populates="case", order_by="Report.id")
    events = db.relationship("CaseEvent", order_by="CaseEvent.id", back_populates="case")

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


class CaseEvent(db.Model):
    """The timeline: every state change and note, with who did it."""

    __tablename__ = "case_events"
    # Statistics read the events of a kind in a period (dispatches, returns, supervision, …).
    __table_args__ = (db.Index("ix_case_events_action_at", "action", "at"),)

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    actor_label = db.Column(db.String(64), nullable=False, default="system")
    action = db.Column(db.String(20), nullable=False)
    from_status = db.Column(db.String(12))
    to_status = db.Column(db.String(12))
    note = db.Column(db.Text)
    public = db.Column(db.Boolean, nullable=False, default=False)  # shown to the reporter

    case = db.relationship("Case", back_populates="events")


class WorkdayOverride(db.Model):
    """Days the holiday calendar gets wrong or does not know yet (True = working day)."""

    __tablename__ = "workday_overrides"

    day = db.Column(db.Date, primary_key=True)
    is_workday = db.Column(db.Boolean, nullable=False)
    note = db.Column(db.String(100))


class EnteredYear(db.Model):
    """A year whose State Council holiday notice an operator has entered in full
    (`flask cases year YEAR complete`): its deadlines are no longer provisional."""

    __tablename__ = "calendar_entered_years"

    year = db.Column(db.Integer, primary_key=True, autoincrement=False)
    entered_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    note = db.Column(db.String(100))


class CaseRating(db.Model):
    """A reporter's satisfaction after closure (回访); one per report."""

    __tablename__ = "case_ratings"

    id = db.Column(db.Integer, primary_key=True)
    report_id = db.Column(db.Integer, db.ForeignKey("reports.id"), nullable=False, unique=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    satisfaction = db.Column(db.String(12), nullable=False)  # satisfied|basic|unsatisfied
    comment = db.Column(db.Text)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
