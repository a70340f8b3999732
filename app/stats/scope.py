"""Whose figures a caller may see, and the filters of a statistics request, as one Scope.

The rule is the inbox's (app/cases/scope.py): district admins see the district or any street;
street staff their street; department handlers their department (and street, for a
street-level team). Asking beyond it is refused, not quietly narrowed: another street is 403
`not_your_street`, another department 403 `not_your_department`. Unknown codes are 400.
"""
from dataclasses import dataclass

from sqlalchemy import select

from app.catalog.models import Category, Department
from app.core.errors import ApiError
from app.core.extensions import db
from app.grid.models import GridUnit
from app.stats.groups import SOURCE_GROUPS


@dataclass(frozen=True)
class Scope:
    street_code: str | None = None
    department_code: str | None = None
    category: str | None = None  # a kind letter, a major class (C01) or a category code (C0101)
    source: str | None = None    # a source group (groups.SOURCE_GROUPS)
    name: str = "全区"

    @property
    def level(self):
        if self.department_code and not self.street_code:
            return "department"
        return "street" if self.street_code else "district"

    def as_dict(self):
        return {"level": self.level, "name": self.name, "street": self.street_code,
                "department": self.department_code, "category": self.category, "source": self.source}


def scope_for(user, *, street=None, department=None, category=None, source=None):
    street, department = checked_places(user, street, department)
    check_category(category)
    if source is not None and source not in SOURCE_GROUPS:
        raise ApiError.bad_request(f"未知来源 {source} (unknown source)", "unknown_source",
                                   fields={"source": [f"one of {', '.join(SOURCE_GROUPS)}"]})
    return Scope(street, department, category, source, scope_name(street, department))


def checked_places(user, street, department):
    """(street, department) the caller may ask for, their own where their role fixes it."""
    role = user.staff_role if user is not None else None
    if role not in ("admin", "staff", "dept"):
        raise ApiError.forbidden()
    if role == "staff":
        street = own(street, user.street_code, "not_your_street", "只能查看本街镇的统计 (not your street)")
    if role == "dept":
        department = own(department, user.department_code, "not_your_department",
                         "只能查看本单位的统计 (not your department)")
        street = own(street, user.street_code, "not_your_street",
                     "只能查看本街镇的统计 (not your street)") if user.street_code else street
    check_street(street)
    check_department(department)
    return street, department


def own(asked, mine, code, message):
    if asked not in (None, mine):
        raise ApiError.forbidden(message, code)
    return mine


def check_street(code):
    if code is not None and db.session.scalar(
            select(GridUnit.code).where(GridUnit.code == code, GridUnit.level == "street")) is None:
        raise unknown("street", code, "街镇")


def check_department(code):
    if code is not None and db.session.get(Department, code) is None:
        raise unknown("department", code, "承办单位")


def check_category(code):
    if code is None:
        return
    found = db.session.scalar(select(Category.code).where(Category.code.startswith(code)).limit(1))
    if found is None or len(code) not in (1, 3, len(found)):
        raise unknown("category", code, "类别")


def unknown(field, code, chinese):
    return ApiError.bad_request(f"没有编码为 {code} 的{chinese} (unknown {field})", f"unknown_{field}",
                                fields={field: [f"unknown {field}"]})


def scope_name(street, department):
    names = []
    if street:
        names.append(db.session.get(GridUnit, street).name)
    if department:
        names.append(db.session.get(Department, department).name)
    return " · ".join(names) or "全区"
