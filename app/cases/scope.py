"""Who sees which cases, as SQL: every inbox query starts from `visible_cases(user)`.

Scoping happens in the WHERE clause, never by filtering loaded rows, so counts,
pages and existence checks all agree. A case outside the caller's scope is simply
not found (404): its existence must not leak to another street.
"""
from sqlalchemy import false, select

from app.cases.models import Case
from app.core.errors import ApiError
from app.core.extensions import db


def visible_cases(user):
    """SELECT of the cases `user` may see: admin all, street staff their street,
    handlers what is dispatched to their department (and street, for a street-level team)."""
    query = select(Case)
    if user is None or user.staff_role is None:
        return query.where(false())
    if user.staff_role == "admin":
        return query
    if user.staff_role == "staff":
        return query.where(Case.street_code == user.street_code)
    query = query.where(Case.department_code == user.department_code)
    return query.where(Case.street_code == user.street_code) if user.street_code else query


def handles_case(user, case):
    """The handler of the department the case is dispatched to (same rule as the query)."""
    return (user is not None and user.staff_role == "dept" and case.department_code is not None
            and user.department_code == case.department_code
            and (not user.street_code or user.street_code == case.street_code))


def get_visible_case(*, user, case_id):
    case = db.session.scalar(visible_cases(user).where(Case.id == case_id))
    if case is None:
        raise ApiError.not_found("未找到该案件 (case not found)", "case_not_found")
    return case
