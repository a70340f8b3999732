"""The statistics overview (/inbox/stats): the district's (or a street's, or a department's) table
of main indicators, sortable, each row opening the filtered case list; trend charts, the
category top-10 and a choropleth of cases per cell drawn from the grid's own GeoJSON.

Everything comes from app.stats with the same Scope and Period checks as the API, so the page
shows and refuses exactly what GET /api/v1/inbox/stats does. The charts load their data from
/inbox/stats/charts.json (static/stats.js draws them with the vendored ECharts).
"""
import json

from flask import Blueprint, Response, abort, render_template, request, url_for
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.requests import load
from app.grid import service as grid_service
from app.grid.models import GridUnit
from app.stats import exports, queries, service
from app.stats.groups import GROUPINGS, SOURCE_GROUPS, bucket_keys
from app.stats.indicators import BY_KEY, MAIN
from app.stats.requests import grouping_for, stats_request
from app.stats.schemas import StatsQuery
from app.web.auth import login_required
from app.web.cases import staff_user
from app.web.errors import html_errors

bp = Blueprint("web_stats", __name__, url_prefix="/inbox/stats", template_folder="templates")
html_errors(bp)

# The table's groupings per role: the levels below the caller's, and departments.
CHOICES = {"admin": ("street", "department", "category", "source"),
           "staff": ("community", "department", "category", "source"),
           "dept": ("category", "street", "source")}
FIELDS = ("from", "to", "group_by", "street", "department", "category", "source")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@login_required
def index():
    user, query = staff_user(), page_query()
    scope, span = as_page_error(stats_request, user, query, utcnow())
    group_by = as_page_error(grouping_for, user, query.get("group_by"))
    table = service.case_stats(scope=scope, period=span, group_by=group_by)
    return render_template(
        "web/stats/index.html", table=table, query=query, scope=scope, span=span,
        columns=[BY_KEY[key] for key in MAIN], links=row_links(table, span),
        choices=[(name, GROUPINGS[name].label) for name in CHOICES[user.staff_role]],
        streets=grid_service.streets() if user.staff_role == "admin" else [],
        charts_url=url_for(".charts", **form_fields(query)), export_query=form_fields(query))


@bp.get("/charts.json")
@login_required
def charts():
    user, query = staff_user(), page_query()
    scope, span = as_page_error(stats_request, user, query, utcnow())
    weekly = service.case_stats(scope=scope, period=span, group_by="week")
    return {"daily": daily_by_source(scope, span), "weekly": weekly_rates(weekly),
            "top_categories": service.top_problems(scope=scope, period=span)["top_categories"],
            "cells": cell_map(scope, span)}


@bp.get("/export.<kind>")
@login_required
def export(kind):
    user, query = staff_user(), page_query()
    scope, span = as_page_error(stats_request, user, query, utcnow())
    if kind == "xlsx":
        body = exports.workbook(exports.workbook_tables(scope, span))
        return download(body, XLSX, exports.filename("stats", scope, span, "xlsx"))
    if kind != "csv":
        abort(404)
    table = service.case_stats(scope=scope, period=span, group_by=as_page_error(grouping_for, user, query.get("group_by")))
    return download(exports.table_csv(table), "text/csv", exports.filename(f"stats-{table['group_by']}", scope, span, "csv"))


# --- the request ----------------------------------------------------------------------------

def page_query():
    """The filter form's fields, parsed like the API's (blank means "any")."""
    raw = {k: v.strip() for k, v in request.args.items() if v.strip() and k in FIELDS}
    parsed = as_page_error(load, StatsQuery(), raw)
    return {k: v for k, v in {**raw, **{"start": parsed["start"], "end": parsed["end"]}}.items() if v is not None}


def form_fields(query):
    """The request's own fields, for links that repeat it (not the parsed dates)."""
    return {k: v for k, v in query.items() if k in FIELDS}


def as_page_error(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except ApiError as exc:
        abort(exc.status, description=exc.message)


def download(body, mimetype, name):
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- the table's links ------------------------------------------------------------------------

LIST_FILTER = {"street": "street", "community": "community", "cell": "cell", "department": "department",
               "category": "category"}


def row_links(table, span):
    """Each row opens the case list with the row's filter and the period's creation dates."""
    name = LIST_FILTER.get(table["group_by"])
    base = {"created_from": span.first.isoformat(), "created_to": span.last.isoformat()}
    scope = table["scope"]
    if scope["street"]:
        base["street"] = scope["street"]
    return {row["key"]: url_for("web_cases.index", **base, **{name: row["key"]})
            for row in table["rows"] if name and row["key"] is not None}


# --- chart data ---------------------------------------------------------------------------------

def daily_by_source(scope, span):
    rows = queries.trend(scope, span)
    days = sorted({day for day, _, _ in rows} | set(day_keys(span)))
    series = {group: {day: 0 for day in days} for group in SOURCE_GROUPS}
    for day, group, n in rows:
        series.setdefault(group, {d: 0 for d in days})[day] = n
    return {"days": days, "series": [{"name": SOURCE_GROUPS[g][0] if g in SOURCE_GROUPS else g,
                                      "data": list(values.values())} for g, values in series.items()]}


def day_keys(span):
    return bucket_keys("day", span.first, span.last)


def weekly_rates(table):
    return {"weeks": [row["label"] for row in table["rows"]],
            "closure_rate": [row["figures"]["closure_rate"]["value"] for row in table["rows"]],
            "on_time_rate": [row["figures"]["on_time_rate"]["value"] for row in table["rows"]]}


def cell_map(scope, span):
    """The cells of the scope as GeoJSON, each with its cases accepted in the period (one GROUP BY,
    not the whole indicator table by cell)."""
    accepted = dict(queries.top(scope, span, "cell_code", limit=None))
    query = select(GridUnit.code, GridUnit.name, GridUnit.geometry).where(
        GridUnit.level == "cell", GridUnit.geometry.is_not(None))
    if scope.street_code:
        query = query.where(GridUnit.code.startswith(scope.street_code))
    features = [{"type": "Feature", "geometry": json.loads(geometry),
                 "properties": {"name": code, "label": name, "value": accepted.get(code, 0)}}
                for code, name, geometry in db.session.execute(query)]
    return {"type": "FeatureCollection", "features": features}
