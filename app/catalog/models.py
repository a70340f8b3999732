from app.core.extensions import db

KIND_PREFIX = {"component": "C", "event": "E"}  # 部件 components, 事件 events


class Department(db.Model):
    __tablename__ = "departments"

    code = db.Column(db.String(20), primary_key=True)
    name = db.Column(db.String(100), nullable=False)
    short_name = db.Column(db.String(50), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)


class Category(db.Model):
    """A minor class; `code` is the kind letter plus the minor code, e.g. C0101, E0102.

    Minor codes repeat across kinds (component 0101 and event 0101), hence the letter.
    """

    __tablename__ = "categories"

    code = db.Column(db.String(10), primary_key=True)
    kind = db.Column(db.String(10), nullable=False)
    major_code = db.Column(db.String(4), nullable=False)
    major_name = db.Column(db.String(50), nullable=False)
    minor_code = db.Column(db.String(6), nullable=False)
    minor_name = db.Column(db.String(50), nullable=False)
    default_department_code = db.Column(db.String(20), db.ForeignKey("departments.code"))
    completion_days = db.Column(db.Integer, nullable=False, default=12)
    urgent_hours = db.Column(db.Integer)  # working hours; replaces completion_days when set
    active = db.Column(db.Boolean, nullable=False, default=True)


def category_code(kind, minor_code):
    return KIND_PREFIX[kind] + minor_code
