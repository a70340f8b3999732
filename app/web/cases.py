"""The case pages of the web inbox (/inbox/cases): the list with counters, filters and a
map; one case with its photos, deadlines, timeline and action forms; the department view.

Every read and every action goes through the functions behind /api/v1/inbox
(app.cases.inbox, scope, transitions) and the same after-commit jobs, so a page can
never see or do more than the API. This module only turns query strings and forms into
those functions' keyword arguments, and their errors into HTML pages and flash messages
(the action forms' side of that lives in case_actions.py).
"""
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.accounts.models import User
from app.cases import deadlines, inbox, policy
from app.cases.deadlines import extension_days_left
from app.cases.models import CLOCK_STATUSES, OPEN_STATUSES, Case, is_overdue
from app.cases.plans import category_of
from app.cases.schemas import CaseListArgsSchema
from app.cases.scope import get_visible_case
from app.cases.supervision import LEVEL_NAMES
from app.cases.workflow import EVENT_LABELS, done_message
from app.catalog.models import Category, Department
from app.catalog.service import active_categories, active_departments, category_tree
from app.core.clock import local_text, utcnow
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.requests import load
from app.grid import service as grid_service
from app.grid.models import GridUnit
from app.photos.schemas import photo_urls
from app.web.auth import login_required, signed_in_user_id
from app.web.case_actions import action_params, available_actions, refused
from app.web.csrf import check_csrf
from app.web.errors import html_errors

bp = Blueprint("web_cases", __name__, url_prefix="/inbox/cases", template_folder="templates")
bp.before_request(check_csrf)  # the web blueprint's hook covers only its own routes
html_errors(bp)

STATUS_NAMES = {
    "pending": "待受理", "accepted": "已立案", "dispatched": "待签收", "in_progress": "处置中",
    "handled": "待核查", "closed": "已结案", "rejected": "不予受理", "merged": "已合并",
}
FIELD_LABELS = {
    "status": "状态", "category": "类别", "community": "村居", "cell": "子网格", "overdue": "超期",
    "created_from": "开始日期", "created_to": "结束日期", "q": "关键词", "sort": "排序", "page": "页码",
    "per_page": "每页条数", "street": "街镇", "department": "承办单位",
}
PHOTO_WARNINGS = {"risky": "疑似违规图片", "review": "图片待人工复核"}
FILTERS = ("status", "category", "community", "cell", "overdue", "created_from", "created_to", "q", "sort", "street",
           "department")
PER_PAGE = 20
QUEUE_SIZE = 50  # a handler's sign-for queue; sign deadlines are one working day, so it stays short


@dataclass
class Section:
    """One table of the list page; `page` is None for a table without pagination."""
    title: str
    items: list
    total: int
    page: int | None = None
    more: dict | None = None  # filters of the full list, when this table shows only the first rows
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max(1, -(-self.total // PER_PAGE))


# --- pages ------------------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    user, now = staff_user(), utcnow()
    args = list_args()
    return render_template("web/cases/index.html", **list_page(user=user, now=now, args=args))


@bp.get("/map")
@login_required
def map_panel():
    """The list page's map, loaded by htmx when staff open it: the same cases as the tables."""
    user, now = staff_user(), utcnow()
    sections = case_sections(user=user, now=now, args=list_args())
    points = [{"lat": c.wgs_lat, "lng": c.wgs_lng, "label": f"{c.ref} {STATUS_NAMES.get(c.status, c.status)}"}
              for s in sections for c in s.items]
    return render_template("web/cases/_map_panel.html", points=points)


@bp.get("/cells")
@login_required
def cell_options():
    """<option>s of the chosen community's cells, for the filter form (htmx)."""
    staff_user()
    community = request.args.get("community")
    cells = grid_service.children_of(community) if community else []
    return render_template("web/cases/_cell_options.html", cells=cells, selected=None)


@bp.get("/<int:case_id>")
@login_required
def detail(case_id):
    user, now = staff_user(), utcnow()
    case = as_page_error(get_visible_case, user=user, case_id=case_id)
    return render_template("web/cases/detail.html", **case_page(case=case, user=user, now=now))


@bp.post("/<int:case_id>/actions")
@login_required
def act(case_id):
    user, now, action = staff_user(), utcnow(), request.form.get("action", "")
    try:
        params = action_params(action, user=user, now=now)
        event = inbox.act_on_case(user=user, case_id=case_id, now=now, **params)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        return refused(exc, case_id)
    inbox.enqueue_follow_ups(event, params.get("photo_ids", []))
    flash(done_message(action, params), "success")
    return redirect(url_for(".detail", case_id=case_id))


# --- who is asking ------------------------------------------------------------------------

def staff_user():
    user = db.session.get(User, signed_in_user_id())
    if user is None or user.disabled or user.staff_role is None:
        abort(403, description="只有工作人员可以查看案卷。")
    return user


def as_page_error(function, *args, **kwargs):
    """Run a service call; its ApiError becomes the matching HTML error page."""
    try:
        return function(*args, **kwargs)
    except ApiError as exc:
        abort(exc.status, description=exc.message)


# --- the list -------------------------------------------------------------------------------

def list_args():
    """The filter form through the API's own argument schema; blank fields mean "any"."""
    raw = {k: v.strip() for k, v in request.args.items() if v.strip()}
    try:
        return load(CaseListArgsSchema(), raw)
    except ApiError as exc:
        names = "、".join(FIELD_LABELS.get(name, name) for name in exc.fields)
        raise ApiError.validation(exc.fields, f"筛选条件有误（{names}），请修改后重试。") from None


def filtered():
    """Did the user ask for anything, or is this the list as the nav link opens it?"""
    return any(name in request.args for name in FILTERS)


def list_page(*, user, now, args):
    sections = case_sections(user=user, now=now, args=args)
    items = [c for s in sections for c in s.items]
    return {
        "sections": sections, "args": args, "query": request.args.to_dict(),
        "counters": inbox.counters(user=user, now=now), "scope_name": scope_name(user),
        "new_status": "dispatched" if user.staff_role == "dept" else "pending",
        "categories": category_tree(active_categories()), "communities": communities_for(user),
        "cells": grid_service.children_of(args["community"]) if args.get("community") else [],
        "names": unit_names(c.cell_code for c in items), "category_names": category_names(items),
        "overdue": overdue_flags(items, now), "status_names": STATUS_NAMES, "level_names": LEVEL_NAMES,
        "status_choices": status_choices(),
        "streets": grid_service.streets() if user.staff_role == "admin" else [],
        "departments": active_departments() if user.staff_role != "dept" else [],
    }


def case_sections(*, user, now, args):
    """The tables of the list page: one for the filters, or a handler's two queues.

    A handler opening the list with no filters sees what waits for signing first, then
    what is in hand, each by due time: the sign-for deadline is the shortest there is.
    """
    if user.staff_role == "dept" and not filtered():
        return department_queues(user=user, now=now, page=args["page"])
    items, total = inbox.list_cases(user=user, now=now, per_page=PER_PAGE, **without(args, "per_page"))
    return [Section("案卷列表", items, total, page=args["page"])]


def department_queues(*, user, now, page):
    waiting, waiting_total = inbox.list_cases(user=user, now=now, status=["dispatched"], sort="due_at",
                                              per_page=QUEUE_SIZE)
    in_hand, in_hand_total = inbox.list_cases(user=user, now=now, status=["in_progress"], sort="due_at",
                                              page=page, per_page=PER_PAGE)
    more = {"status": "dispatched", "sort": "due_at"} if waiting_total > len(waiting) else None
    return [Section("待签收", waiting, waiting_total, more=more),
            Section("处置中", in_hand, in_hand_total, page=page)]


def without(mapping, *names):
    return {k: v for k, v in mapping.items() if k not in names}


def overdue_flags(cases, now):
    return {c.id: is_overdue(c, now) for c in cases}


def status_choices():
    """The status select: single states, plus the groups staff actually ask for."""
    groups = [("未结案", ",".join(OPEN_STATUSES)), ("承办中（待签收+处置中）", ",".join(CLOCK_STATUSES))]
    return groups + [(name, status) for status, name in STATUS_NAMES.items()]


def scope_name(user):
    if user.staff_role == "dept":
        department = db.session.get(Department, user.department_code)
        return department.name if department else user.department_code
    if user.staff_role == "staff":
        return unit_names([user.street_code]).get(user.street_code, user.street_code)
    return "全区"


def communities_for(user):
    """(street name, its communities) for the filter's select: one street, or all for the district."""
    streets = grid_service.streets()
    if user.street_code:
        streets = [s for s in streets if s.code == user.street_code]
    return [(s.name, grid_service.children_of(s.code)) for s in streets]


def unit_names(codes):
    codes = set(codes)
    if not codes:
        return {}
    return dict(db.session.execute(select(GridUnit.code, GridUnit.name).where(GridUnit.code.in_(codes))).all())


def category_names(cases):
    codes = {c.category_code for c in cases}
    if not codes:
        return {}
    rows = db.session.scalars(select(Category).where(Category.code.in_(codes)))
    return {c.code: category_label(c) for c in rows}


def category_label(category):
    return f"{category.major_name} · {category.minor_name}"


# --- one case --------------------------------------------------------------------------------

def case_page(*, case, user, now):
    category = category_of(case)
    return {
        "case": case, "now": now, "category": category_label(category),
        "place": place_of(case), "deadlines": deadline_rows(case, now),
        "provisional_note": provisional_note(case),
        "overdue": is_overdue(case, now), "level_names": LEVEL_NAMES,
        "reports": [report_view(r) for r in case.reports], "timeline": timeline(case),
        "actions": available_actions(user, case), "status_names": STATUS_NAMES,
        "department": db.session.get(Department, case.department_code) if case.department_code else None,
        "departments": active_departments(), "default_department": category.default_department_code,
        "extension_left": extension_days_left(policy.deadline_profile(category), case.extended_days),
        "merged_into": db.session.get(Case, case.merged_into_id) if case.merged_into_id else None,
    }


def place_of(case):
    names = unit_names([case.cell_code, case.community_code, case.street_code])
    return [names.get(code, code) for code in (case.street_code, case.community_code, case.cell_code)]


def deadline_rows(case, now):
    """(label, due, overdue): a deadline is only late while its stage is still running;
    once signed, a missed sign-for deadline is history, not an alarm."""
    running = {
        "sign_due_at": case.status == "dispatched",
        "handling_due_at": case.status in CLOCK_STATUSES,
        "due_at": case.status in CLOCK_STATUSES,
    }
    labels = (("sign_due_at", "签收期限"), ("handling_due_at", "首次处置期限"), ("due_at", "办结期限"))
    rows = []
    for name, label in labels:
        due = getattr(case, name)
        rows.append((label, due, bool(due and running[name] and deadlines.is_overdue(due, now))))
    return rows


def provisional_note(case):
    """Why the deadlines may still move, for the case page; None when they are final."""
    if not case.deadlines_provisional:
        return None
    calendar = policy.working_calendar()
    years = calendar.unknown_years_between(case.dispatched_at, case.due_at)
    if not years:  # entered meanwhile; the recount (flask cases …) has not reached it yet
        return "期限为暂定（放假安排已录入，待重新计算）。"
    return f"期限为暂定（{'、'.join(map(str, years))}年放假安排尚未公布），录入后将自动重新计算。"


def report_view(report):
    """A report as staff see it: every photo, flagged ones with their warning."""
    photos = [{**photo_urls(p), "warning": PHOTO_WARNINGS.get(p.media_check)} for p in report.photos]
    return {"report": report, "photos": photos}


def timeline(case):
    after = inbox.after_photos(case)
    return [{"event": e, "action": EVENT_LABELS.get(e.action, e.action),
             "photos": [photo_urls(p) for p in after.get(e.id, [])]} for e in case.events]


# --- template helpers -------------------------------------------------------------------------

@bp.app_template_filter("local_time")
def local_time(moment, fmt="%Y-%m-%d %H:%M"):
    """Stored UTC shown on the wall clock of the office (Asia/Shanghai)."""
    if moment is None:
        return "—"
    return local_text(moment, fmt)
