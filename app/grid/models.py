from app.core.clock import UTCDateTime, utcnow
from app.core.extensions import db

DISTRICT_CODE = "310116"
LEVELS = ("street", "community", "cell")
CODE_LENGTHS = {"street": 9, "community": 12, "cell": 15}
PARENT_LEVEL = {"street": None, "community": "street", "cell": "community"}


class GridUnit(db.Model):
    """One unit of any level; geometry is a WGS-84 GeoJSON polygon (RFC 7946)."""

    __tablename__ = "grid_units"

    code = db.Column(db.String(15), primary_key=True)
    level = db.Column(db.String(10), nullable=False, index=True)
    name = db.Column(db.String(100), nullable=False)
    parent_code = db.Column(db.String(15), db.ForeignKey("grid_units.code"), index=True)
    kind = db.Column(db.String(20))  # streets: subdistrict | town | industrial_zone
    geometry = db.Column(db.Text)  # GeoJSON geometry, WGS-84; null until imported
    updated_at = db.Column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set when a full re-import leaves the unit out. Retired units are neither located
    # nor listed, but stay: reports, cases and patrols keep referring to their codes.
    retired_at = db.Column(UTCDateTime)

    @property
    def active(self):
        return self.retired_at is None

    def __repr__(self):
        return f"<GridUnit {self.level} {self.code} {self.name}>"


class GridVersion(db.Model):
    """A counter bumped by every grid change, so each process knows to rebuild its index."""

    __tablename__ = "grid_version"

    id = db.Column(db.Integer, primary_key=True)
    version = db.Column(db.Integer, nullable=False, default=0)
