"""The web inbox's routes. For now: sign in, sign out, a home page and a map demo."""
import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.cases.policy import calendar_readiness
from app.core.clock import local_text, utcnow
from app.core.errors import ApiError
from app.core.extensions import db, limiter
from app.grid.demo import read_streets
from app.web.auth import authenticate, login_required, safe_next, sign_in, sign_out, signed_in_user
from app.web.csrf import init_csrf
from app.web.errors import init_errors
from app.web.maps import check_map_datum, map_options

bp = Blueprint(
    "web",
    __name__,
    url_prefix="/inbox",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
bp.record_once(lambda state: check_map_datum(state.app))
bp.add_app_template_global(map_options)
log = logging.getLogger(__name__)
init_csrf(bp)
init_errors(bp)

LOGIN_FAILED = "用户名或密码错误"
LOGIN_DELAYED = "登录失败次数过多，请 {seconds} 秒后再试。"
MISSED_SIGN_INS = "最近有 {count} 次失败的登录尝试，最近一次在 {at}。如非本人操作，请尽快联系管理员修改密码。"


@bp.app_template_global()
def page_user():
    """The signed-in staff member for the page header (base.html), or None."""
    try:
        return signed_in_user()
    except SQLAlchemyError:
        # Error pages share the header: a database that is down must leave them their message.
        db.session.rollback()
        log.exception("signed-in user unavailable for the page header")
        return None


@bp.app_template_global()
def calendar_notice():
    """The header's holiday-calendar alert for signed-in staff, or None (base.html)."""
    try:
        return calendar_readiness(utcnow())["message"]
    except SQLAlchemyError:
        # The header is on every page, error pages included: a database that is down
        # must still leave them their own message, not a second failure.
        db.session.rollback()
        log.exception("holiday calendar alert unavailable")
        return None


@bp.get("/")
@login_required
def index():
    return render_template("web/home.html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["AUTH_RATE_LIMIT"], methods=["POST"])
def login():
    if request.method == "GET":
        return render_template("web/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    try:
        user, missed = authenticate(username, request.form.get("password", ""))
    except ApiError as refusal:
        return login_refused(refusal, username)
    sign_in(user)
    db.session.commit()
    flash("登录成功", "success")
    if missed:
        flash(MISSED_SIGN_INS.format(count=missed.count, at=local_text(missed.last_at)), "warning")
    return redirect(safe_next(request.form.get("next")))


def login_refused(refusal, username):
    """The form again: a wrong password is a 200 page, an attempt too soon a 429 one."""
    delayed = refusal.status == 429
    error = LOGIN_DELAYED.format(seconds=refusal.headers.get("Retry-After")) if delayed else LOGIN_FAILED
    page = render_template("web/login.html", error=error, username=username, next=request.form.get("next", ""))
    return page, refusal.status if delayed else 200, refusal.headers


@bp.post("/logout")
def logout():
    sign_out()
    flash("您已退出登录", "info")
    return redirect(url_for("web.login"))


@bp.get("/map-demo")
def map_demo():
    """How a page draws a map: public town centres, no sign-in needed."""
    points = [
        {"lat": float(s["centre_lat_wgs84"]), "lng": float(s["centre_lng_wgs84"]), "label": s["name"]}
        for s in read_streets()
    ]
    return render_template("web/map_demo.html", points=points)
