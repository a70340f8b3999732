from app.core.clock import UTCDateTime, utcnow
from app.core.extensions import db
from app.photos.models import Photo

SOURCES = ("miniprogram", "official_account", "patrol", "open311")


class Report(db.Model):
    __tablename__ = "reports"

    id = db.Column(db.Integer, primary_key=True)
    ref = db.Column(db.String(24), unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    source = db.Column(db.String(20), nullable=False, default="miniprogram")
    category_code = db.Column(db.String(10), db.ForeignKey("categories.code"), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    lat = db.Column(db.Float, nullable=False)  # as submitted, in `coord`
    lng = db.Column(db.Float, nullable=False)
    coord = db.Column(db.String(6), nullable=False)
    wgs_lat = db.Column(db.Float, nullable=False)
    wgs_lng = db.Column(db.Float, nullable=False)
    cell_code = db.Column(db.String(15), db.ForeignKey("grid_units.code"), nullable=False)
    street_code = db.Column(db.String(15), nullable=False, index=True)
    status = db.Column(db.String(12), nullable=False, default="received", index=True)  # received|processed
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), index=True)
    text_check = db.Column(db.String(10), nullable=False, default="pending")  # pending|pass|review|risky|skipped
    flagged = db.Column(db.Boolean, nullable=False, default=False)  # risky content: staff see a warning
    patrol_id = db.Column(db.Integer, db.ForeignKey("patrols.id"), index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    processed_at = db.Column(UTCDateTime)
    enqueued_at = db.Column(UTCDateTime)

    photos = db.relationship("Photo", order_by="Photo.created_at", foreign_keys=[Photo.report_id])
    case = db.relationship("Case", back_populates="reports")
    user = db.relationship("User")


class IdempotencyRecord(db.Model):
    """The first answer to (user, Idempotency-Key), replayed for retries with the same body."""

    __tablename__ = "idempotency_records"
    __table_args__ = (db.UniqueConstraint("user_id", "key"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    key = db.Column(db.String(128), nullable=False)
    request_hash = db.Column(db.String(64), nullable=False)
    state = db.Column(db.String(10), nullable=False, default="in_flight")  # in_flight|done
    response_status = db.Column(db.Integer)
    response_body = db.Column(db.JSON)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
