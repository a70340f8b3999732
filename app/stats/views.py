"""Statistics API (/api/v1/inbox/stats): the indicator table, post indicators, exports, bulletin.

`format=csv` (or the .csv path) answers the same table as CSV for Excel, `format=xlsx` (or
.xlsx) as a workbook with one sheet per grouping.
"""
from flask import Blueprint, Response

from app.accounts.auth import current_user, require_roles, require_staff
from app.core.clock import utcnow
from app.core.requests import load_args
from app.stats import exports, posts, service
from app.stats.periods import month_period, period
from app.stats.requests import grouping_for, stats_request
from app.stats.schemas import BulletinQuery, PostsQuery, StatsQuery
from app.stats.scope import scope_for

bp = Blueprint("stats", __name__, url_prefix="/api/v1/inbox")

CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/stats")
@require_staff
def stats():
    return stats_answer(load_args(StatsQuery()))


@bp.get("/stats.csv")
@require_staff
def stats_csv():
    return stats_answer({**load_args(StatsQuery()), "format": "csv"})


@bp.get("/stats.xlsx")
@require_staff
def stats_xlsx():
    return stats_answer({**load_args(StatsQuery()), "format": "xlsx"})


def stats_answer(query):
    user = current_user()
    scope, span = stats_request(user, query, utcnow())
    if query["format"] == "xlsx":
        return download(exports.workbook(exports.workbook_tables(scope, span)), XLSX,
                        exports.filename("stats", scope, span, "xlsx"))
    table = service.case_stats(scope=scope, period=span, group_by=grouping_for(user, query["group_by"]))
    if query["format"] == "csv":
        return download(exports.table_csv(table), CSV, exports.filename(f"stats-{table['group_by']}", scope, span, "csv"))
    return table


@bp.get("/stats/top")
@require_staff
def top_problems():
    """高发问题 (top categories and cells by 立案数), apart from the table: it reads cases, not the rollup."""
    scope, span = stats_request(current_user(), load_args(StatsQuery()), utcnow())
    return service.top_problems(scope=scope, period=span)


@bp.get("/stats/posts")
@require_roles("staff", "admin")
def post_stats():
    query = load_args(PostsQuery())
    span = period(first=query["start"], last=query["end"], now=utcnow())
    scope = scope_for(current_user(), street=query["street"])
    result = posts.post_stats(scope=scope, period=span)
    if query["format"] != "csv":
        return result
    return download(exports.posts_csv(result, query["table"]), CSV,
                    exports.filename(f"posts-{query['table']}", scope, span, "csv"))


@bp.get("/stats/bulletin.xlsx")
@require_roles("admin")
def bulletin():
    span = month_period(load_args(BulletinQuery())["month"], utcnow())
    scope = scope_for(current_user())
    return download(exports.bulletin(scope, span), XLSX, f"bulletin-{span.first:%Y-%m}.xlsx")


def download(body, mimetype, name):
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
