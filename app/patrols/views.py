from flask import Blueprint, Response

from app.accounts.auth import current_user, require_roles, require_user
from app.core.clock import local_day, utcnow
from app.core.extensions import db
from app.core.requests import PageQuery, load_args, load_json, page_of
from app.patrols import compliance, days, service, stats
from app.patrols.schemas import (
    ComplianceQuery,
    FinishPatrolSchema,
    PatrolSchema,
    StartPatrolSchema,
    StatsQuery,
)

bp = Blueprint("patrols", __name__, url_prefix="/api/v1")

# Centre staff and district admins; department handlers patrol but do not supervise.
SUPERVISORS = ("staff", "admin")


@bp.post("/patrols")
@require_user
def start_patrol():
    body = load_json(StartPatrolSchema())
    patrol, created = service.start_patrol(user=current_user(), now=utcnow(), **body)
    db.session.commit()
    return PatrolSchema().dump(patrol), 201 if created else 200


@bp.post("/patrols/<int:patrol_id>/finish")
@require_user
def finish_patrol(patrol_id):
    body = load_json(FinishPatrolSchema())
    patrol = service.finish_patrol(user=current_user(), patrol_id=patrol_id, now=utcnow(), **body)
    db.session.commit()
    return PatrolSchema().dump(patrol)


@bp.get("/patrols/mine")
@require_user
def my_patrols():
    page = service.patrols_of(user=current_user(), **load_args(PageQuery()))
    return page_of(page, PatrolSchema(many=True).dump(page.items))


@bp.get("/inbox/patrols/compliance")
@require_roles(*SUPERVISORS)
def patrol_compliance():
    query, now = load_args(ComplianceQuery()), utcnow()
    day = days.ensure_not_future(query["date"], now) or local_day(now)
    street = compliance.street_for(user=current_user(), street_code=query["street"])
    return compliance.daily_compliance(street=street, day=day)


@bp.get("/inbox/patrols/stats")
@require_roles(*SUPERVISORS)
def patrol_stats():
    return stats_answer(load_args(StatsQuery()))


@bp.get("/inbox/patrols/stats.csv")
@require_roles(*SUPERVISORS)
def patrol_stats_csv():
    return stats_answer({**load_args(StatsQuery()), "format": "csv"})


def stats_answer(query):
    start, end = stats.date_range(start=query["start"], end=query["end"], now=utcnow())
    street = compliance.street_for(user=current_user(), street_code=query["street"])
    result = stats.patrol_stats(street=street, start=start, end=end)
    if query["format"] != "csv":
        return result
    filename = f"patrol-{query['table']}-{street.code}-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(stats.to_csv(result, query["table"]), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
