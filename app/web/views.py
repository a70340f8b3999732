"""The web inbox's routes. For now: sign in, sign out, a home page and a map demo."""
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.cases.policy import calendar_readiness
from app.core.clock import utcnow
from app.core.extensions import db
from app.grid.demo import read_streets
from app.web.auth import authenticate, login_required, safe_next, sign_in, sign_out
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
def login():
    if request.method == "GET":
        return render_template("web/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    user = authenticate(username, request.form.get("password", ""))
    if user is None:
        next_page = request.form.get("next", "")
        return render_template("web/login.html", error=LOGIN_FAILED, username=username, next=next_page)
    sign_in(user, username)
    flash("登录成功", "success")
    return redirect(safe_next(request.form.get("next")))


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
