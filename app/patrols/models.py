from app.core.clock import UTCDateTime, utcnow
from app.core.extensions import db

KINDS = ("collector", "department")  # 信息采集员/监督员/网格长 巡查, 职能部门 入格巡查
STATUSES = ("open", "finished")
CELL_STATUSES = ("patrolled", "zero_report", "missing")


class Patrol(db.Model):
    """One walk of one cell by one person on one local (Asia/Shanghai) day.

    The sign-in point is kept as sent (with its datum) and in WGS-84, with its
    distance from the cell, so a disputed sign-in can be checked later.
    """

    __tablename__ = "patrols"
    __table_args__ = (
        # One open patrol per person, cell and day: a second start returns it.
        # Finished patrols do not count, so an afternoon round after a morning one is allowed.
        db.Index("uq_patrols_open_per_day", "collector_id", "cell_code", "date", unique=True,
                 sqlite_where=db.text("status = 'open'"), postgresql_where=db.text("status = 'open'")),
        db.Index("ix_patrols_date_cell", "date", "cell_code"),
    )

    id = db.Column(db.Integer, primary_key=True)
    collector_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    kind = db.Column(db.String(12), nullable=False, default="collector")
    cell_code = db.Column(db.String(15), db.ForeignKey("grid_units.code"), nullable=False)
    community_code = db.Column(db.String(15), nullable=False)
    street_code = db.Column(db.String(15), nullable=False, index=True)
    date = db.Column(db.Date, nullable=False)  # local calendar day of the sign-in
    status = db.Column(db.String(10), nullable=False, default="open")
    signed_in_at = db.Column(UTCDateTime, nullable=False)
    lat = db.Column(db.Float, nullable=False)  # as sent, in `coord`
    lng = db.Column(db.Float, nullable=False)
    coord = db.Column(db.String(6), nullable=False)
    wgs_lat = db.Column(db.Float, nullable=False)
    wgs_lng = db.Column(db.Float, nullable=False)
    signin_distance_m = db.Column(db.Integer, nullable=False, default=0)  # 0: inside the cell
    track = db.Column(db.JSON)  # [{lat, lng, coord, wgs_lat, wgs_lng, at}], as sent on finish
    finished_at = db.Column(UTCDateTime)
    zero_report = db.Column(db.Boolean, nullable=False, default=False)
    note = db.Column(db.Text)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    collector = db.relationship("User")
    findings = db.relationship("Report", primaryjoin="Patrol.id == foreign(Report.patrol_id)",
                               order_by="Report.id", viewonly=True)

    def __repr__(self):
        return f"<Patrol {self.id} {self.cell_code} {self.date} {self.status}>"


class PatrolMiss(db.Model):
    """A cell nobody patrolled or zero-reported by the day's cut-off; written once per cell and day."""

    __tablename__ = "patrol_misses"
    __table_args__ = (db.UniqueConstraint("cell_code", "date"),)

    id = db.Column(db.Integer, primary_key=True)
    cell_code = db.Column(db.String(15), db.ForeignKey("grid_units.code"), nullable=False)
    community_code = db.Column(db.String(15), nullable=False, index=True)
    street_code = db.Column(db.String(15), nullable=False, index=True)
    date = db.Column(db.Date, nullable=False, index=True)
    recorded_at = db.Column(UTCDateTime, nullable=False)
