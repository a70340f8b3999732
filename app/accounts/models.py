from app.core.clock import UTCDateTime, utcnow
from app.core.extensions import db

STAFF_ROLES = ("staff", "dept", "admin")  # street staff, department handler, district admin
CELL_ROLES = ("resident", "collector", "supervisor", "cell_head")
INVITABLE_ROLES = ("collector", "supervisor", "cell_head")  # 采集员, 兼职监督员, 网格长
COLLECTOR_ROLES = INVITABLE_ROLES


class User(db.Model):
    """A WeChat user (openid) or a staff member (username + password)."""

    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    openid = db.Column(db.String(64), unique=True)
    unionid = db.Column(db.String(64))
    phone = db.Column(db.String(20))
    nickname = db.Column(db.String(64))
    username = db.Column(db.String(64), unique=True)
    password_hash = db.Column(db.String(255))
    staff_role = db.Column(db.String(10))
    street_code = db.Column(db.String(15), db.ForeignKey("grid_units.code"))
    department_code = db.Column(db.String(20), db.ForeignKey("departments.code"))
    # Wrong passwords since the last successful sign-in: they set the delay before the next
    # attempt (accounts/throttle.py) and are shown to the owner when they next sign in.
    failed_logins = db.Column(db.Integer, nullable=False, default=0)
    last_failed_login_at = db.Column(UTCDateTime)
    next_sign_in_at = db.Column(UTCDateTime)  # no password is checked before this time
    disabled = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    bindings = db.relationship("Binding", back_populates="user", order_by="Binding.id",
                               cascade="all, delete-orphan")

    @property
    def is_staff(self):
        return self.staff_role is not None

    @property
    def roles(self):
        if self.is_staff:
            return [self.staff_role]
        # Every WeChat user may report as a resident, bound to a home cell or not.
        return ["resident"] + sorted({b.role for b in self.bindings} - {"resident"})

    def has_cell_role(self, cell_code, roles):
        return any(b.cell_code == cell_code and b.role in roles for b in self.bindings)


class Binding(db.Model):
    __tablename__ = "bindings"
    __table_args__ = (db.UniqueConstraint("user_id", "cell_code", "role"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    cell_code = db.Column(db.String(15), db.ForeignKey("grid_units.code"), nullable=False, index=True)
    role = db.Column(db.String(12), nullable=False)
    invitation_id = db.Column(db.Integer, db.ForeignKey("invitations.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    user = db.relationship("User", back_populates="bindings")


class ApiToken(db.Model):
    """Only the SHA-256 of a token is stored: a leaked table cannot be replayed."""

    __tablename__ = "api_tokens"

    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    revoked_at = db.Column(UTCDateTime)

    user = db.relationship("User")


class WebSession(db.Model):
    """A signed-in staff browser. The cookie holds a random id whose SHA-256 is stored here,
    so signing out, a password change or disabling the account ends the session everywhere."""

    __tablename__ = "web_sessions"

    id = db.Column(db.Integer, primary_key=True)
    session_hash = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at = db.Column(UTCDateTime)

    user = db.relationship("User")


class Invitation(db.Model):
    """A code street staff hand a collector; the code itself is stored hashed."""

    __tablename__ = "invitations"

    id = db.Column(db.Integer, primary_key=True)
    code_hash = db.Column(db.String(64), nullable=False, unique=True)
    cell_code = db.Column(db.String(15), db.ForeignKey("grid_units.code"), nullable=False)
    role = db.Column(db.String(12), nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    max_uses = db.Column(db.Integer, nullable=False, default=1)
    use_count = db.Column(db.Integer, nullable=False, default=0)
