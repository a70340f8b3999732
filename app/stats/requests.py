"""A statistics request's arguments turned into (Scope, Period) and a grouping, for the API and
the overview page alike, so both refuse the same bad input with the same codes."""
from app.core.errors import ApiError
from app.stats.groups import GROUPINGS
from app.stats.periods import period
from app.stats.scope import scope_for

# What a table is grouped by when the request does not say: the level below the caller's.
DEFAULT_GROUPING = {"admin": "street", "staff": "community", "dept": "category"}


def stats_request(user, query, now):
    span = period(first=query.get("start"), last=query.get("end"), now=now)
    scope = scope_for(user, street=query.get("street"), department=query.get("department"),
                      category=query.get("category"), source=query.get("source"))
    grouping_for(user, query.get("group_by"))
    return scope, span


def grouping_for(user, name):
    name = name or DEFAULT_GROUPING.get(user.staff_role, "street")
    if name not in GROUPINGS:
        raise ApiError.bad_request(f"未知分组 {name} (unknown group_by)", "unknown_group_by",
                                   fields={"group_by": [f"one of {', '.join(GROUPINGS)}"]})
    return name
