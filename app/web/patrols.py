"""The patrol page of the web inbox (/inbox/patrols): a day's compliance per community and a week table.

A blueprint of its own, sharing the web package's templates, sign-in session and
HTML error pages; it only reads, so it needs no CSRF hook of its own.
"""
from datetime import date

from flask import Blueprint, abort, render_template, request

from app.accounts.models import User
from app.core.clock import local_day, utcnow
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.requests import check_ranges
from app.grid import service as grid_service
from app.patrols import compliance, days
from app.web.auth import login_required, signed_in_user_id
from app.web.errors import html_errors

bp = Blueprint("web_patrols", __name__, url_prefix="/inbox/patrols", template_folder="templates")
html_errors(bp)

STATUS_NAMES = {"patrolled": "已巡查", "zero_report": "零报告", "missing": "未巡查"}
WEEKDAYS = "一二三四五六日"


@bp.get("/")
@login_required
def index():
    now, user = utcnow(), staff_user()
    day = page_date(request.args.get("date"), now)
    street = as_page_error(compliance.street_for, user=user, street_code=request.args.get("street") or None)
    return render_template(
        "web/patrols/index.html", day=day, today=local_day(now), street=street,
        streets=grid_service.streets() if user.staff_role == "admin" else [],
        compliance=compliance.daily_compliance(street=street, day=day),
        week=compliance.week_table(street=street, end=day), status_names=STATUS_NAMES, weekday=weekday_name)


def staff_user():
    user = db.session.get(User, signed_in_user_id())
    if user is None or user.disabled or user.staff_role not in ("staff", "admin"):
        abort(403, description="只有街镇网格中心工作人员可以查看巡查情况。")
    return user


def page_date(text, now):
    """The date picker's value; today when empty. A bad or future date is a 400 page, as in the API."""
    if not text:
        return local_day(now)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        abort(400, description="日期格式应为 年-月-日，例如 2024-05-01。")
    check_ranges({"date": day})  # the API's bounds: the local clock cannot hold year 1
    return as_page_error(days.ensure_not_future, day, now)


def as_page_error(function, *args, **kwargs):
    """Run a service call; its ApiError becomes the matching HTML error page."""
    try:
        return function(*args, **kwargs)
    except ApiError as exc:
        abort(exc.status, description=exc.message)


def weekday_name(iso_day):
    return "周" + WEEKDAYS[date.fromisoformat(iso_day).weekday()]
