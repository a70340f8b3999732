"""The daily rollup gives the same figures as counting the source tables, for every grouping it
carries, and the sweeper keeps it caught up as cases move."""
from datetime import date

import pytest

from app.core.extensions import db
from app.stats import rollup, service
from app.stats.models import StatsRollupState
from app.stats.periods import Period
from app.stats.rolled import GROUPINGS
from app.stats.rolled import supports as rolled_supports
from app.stats.scope import Scope
from tests.factories import STREET_A, auth
from tests.stats.conftest import MAY, NOW, at
from tests.stats.test_case_indicators import STREET_A_FIGURES, TOTAL_FIGURES, expected, rows_by_key, simplified

PERIODS = [(date(2024, 5, 1), date(2024, 5, 31)), (date(2024, 5, 8), date(2024, 5, 22)),
           (date(2024, 4, 1), date(2024, 6, 30)), (date(2024, 5, 13), date(2024, 5, 13))]


def build(now=NOW):
    rollup.build(date(2024, 1, 1), date(2024, 12, 31), now)
    db.session.commit()


def without_rollup():
    db.session.delete(db.session.get(StatsRollupState, 1))
    db.session.commit()


@pytest.mark.parametrize("first, last", PERIODS)
@pytest.mark.parametrize("scope", [Scope(), Scope(street_code=STREET_A), Scope(department_code="SWJ"),
                                   Scope(category="E01")], ids=["district", "street", "department", "category"])
def test_the_rollup_answers_as_the_tables_do(app, may, first, last, scope):
    period = Period(first, last, NOW)
    build()
    assert rollup.covers(period)
    rolled = {name: service.case_stats(scope=scope, period=period, group_by=name) for name in GROUPINGS}
    rolled_top = service.top_problems(scope=scope, period=period)
    assert service.sources(scope, period, "street") == service.ROLLED
    without_rollup()
    assert not rollup.covers(period)
    for name in GROUPINGS:
        if not rolled_supports(scope, name):
            continue
        counted = service.case_stats(scope=scope, period=period, group_by=name)
        assert rolled[name]["rows"] == counted["rows"], name
        assert rolled[name]["total"] == counted["total"], name
    assert rolled_top == service.top_problems(scope=scope, period=period)


def test_the_hand_counts_hold_through_the_api_with_the_rollup(client, may, frozen):
    from tests.cases.conftest import staff_user

    build()
    admin = staff_user("district-admin", role="admin")
    db.session.commit()
    answer = client.get("/api/v1/inbox/stats", query_string={**MAY, "group_by": "street"}, headers=auth(admin))
    assert simplified(rows_by_key(answer.json)[STREET_A]["figures"]) == expected(STREET_A_FIGURES)
    assert simplified(answer.json["total"]["figures"]) == expected(TOTAL_FIGURES)


def test_the_sweeper_rolls_up_what_changed_since_its_last_round(app, may):
    from app.stats.jobs import roll_up

    build()
    case = may.cases[7]  # pending since 5/30: accepted now, on 5/31
    case.status, case.accepted_at, case.updated_at = "accepted", at(5, 31, 9), at(5, 31, 9)
    db.session.commit()
    period = Period(date(2024, 5, 1), date(2024, 5, 31), NOW)
    before = service.case_stats(scope=Scope(), period=period, group_by="street")["total"]["figures"]["accepted"]
    roll_up(now=NOW)
    db.session.commit()
    after = service.case_stats(scope=Scope(), period=period, group_by="street")["total"]["figures"]["accepted"]
    assert (before["value"], after["value"]) == (7, 8)
