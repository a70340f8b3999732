from app.core.clock import UTCDateTime, utcnow
from app.core.extensions import db


class Photo(db.Model):
    """One uploaded image: the private original, then the worker's two derivatives.

    Used by at most one report or one case event (a department's after-photos).
    """

    __tablename__ = "photos"

    id = db.Column(db.String(32), primary_key=True)  # random hex: ids are not guessable
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    report_id = db.Column(db.Integer, db.ForeignKey("reports.id"), index=True)
    case_event_id = db.Column(db.Integer, db.ForeignKey("case_events.id"))  # after-photos
    original_key = db.Column(db.String(200), nullable=False)
    content_type = db.Column(db.String(30), nullable=False)
    width = db.Column(db.Integer, nullable=False)
    height = db.Column(db.Integer, nullable=False)
    size = db.Column(db.Integer, nullable=False)
    large_key = db.Column(db.String(200))
    thumb_key = db.Column(db.String(200))
    processed_at = db.Column(UTCDateTime)
    failed_reason = db.Column(db.String(200))
    exif_lat = db.Column(db.Float)  # server-side plausibility signal only, never shown
    exif_lng = db.Column(db.Float)
    media_check = db.Column(db.String(10), nullable=False, default="pending")  # pending|pass|review|risky|skipped
    media_trace_id = db.Column(db.String(64), unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    @property
    def publicly_visible(self):
        return self.processed_at is not None and self.media_check in ("pass", "skipped")

    @property
    def in_use(self):
        return self.report_id is not None or self.case_event_id is not None
