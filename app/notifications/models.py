from app.core.clock import UTCDateTime, utcnow
from app.core.extensions import db

WECHAT_SUBSCRIBE = "wechat_subscribe"

# pending: written with the step it reports, not tried yet; retrying: a transient failure
# that WeChat answered, worth another try; attempting: a send is under way (committed
# before WeChat is called). Final: sent; not_delivered (the user refused, or we cannot
# address them); failed; unknown: an attempt whose outcome was never recorded (the
# sender died mid-send, or the answer was lost), which is never sent again by itself.
STATUSES = ("pending", "retrying", "attempting", "sent", "not_delivered", "failed", "unknown")
DELIVERABLE_STATUSES = ("pending", "retrying")
ATTEMPTING = "attempting"
UNKNOWN = "unknown"


class Notification(db.Model):
    """One message to one person on one channel, and what became of it."""

    __tablename__ = "notifications"

    id = db.Column(db.Integer, primary_key=True)
    channel = db.Column(db.String(20), nullable=False, default=WECHAT_SUBSCRIBE)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    recipient = db.Column(db.String(64), nullable=False)  # the openid: personal data, never in answers or logs
    template = db.Column(db.String(40), nullable=False)  # our name for it; the channel maps it to its id
    payload = db.Column(db.JSON, nullable=False)
    # Whatever caused the message (an event and a user): a job that runs twice sends once.
    dedupe_key = db.Column(db.String(120), nullable=False, unique=True)
    status = db.Column(db.String(16), nullable=False, default="pending", index=True)
    error = db.Column(db.String(200))  # errcode and WeChat's short text; never tokens or URLs
    attempts = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_attempt_at = db.Column(UTCDateTime)
    sent_at = db.Column(UTCDateTime)

    user = db.relationship("User")

    @property
    def is_deliverable(self):
        return self.status in DELIVERABLE_STATUSES

    def __repr__(self):
        # No recipient: reprs end up in logs and tracebacks.
        return f"<Notification {self.id} {self.channel} {self.template} {self.status}>"
