"""Post indicators (岗位考核) for collectors and cell heads, and the communities' daily
compliance, on a small week worked out by hand: Monday 6 May to Friday 10 May 2024, seen on
Monday 13 May (every cut-off passed)."""
import csv
import io
from datetime import UTC, date, datetime

import pytest

from app.accounts.models import Binding
from app.core.extensions import db
from tests.factories import STREET_B, auth, make_collector, make_resident, make_staff
from tests.patrols.conftest import at, make_patrol
from tests.stats.conftest import SHANGHAI, Rows

WEEK = {"from": "2024-05-06", "to": "2024-05-10"}
NOW = datetime(2024, 5, 13, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def week(world, monkeypatch):
    import app.stats.views

    monkeypatch.setattr(app.stats.views, "utcnow", lambda: NOW.astimezone(UTC))
    a1, a2 = world.cell_a, world.community_a + "002"
    wang = make_collector(a1, "o-wang")
    zhao = make_collector(a2, "o-zhao")
    li = make_resident(openid="o-li")
    li.bindings.append(Binding(cell_code=a2, role="cell_head", created_at=at(date(2024, 5, 8), 8)))
    for user in (wang, zhao):
        user.bindings[0].created_at = at(date(2024, 5, 1), 8)
    wang.nickname, zhao.nickname, li.nickname = "王采集", "赵采集", "李网格长"
    rows = Rows(make_resident(openid="o-public"))
    # A public case of 5/6 15:00 (after Wang's patrol report of the same category that morning).
    public = rows.case(a1, "E0102", status="accepted", created=at(date(2024, 5, 6), 15), accepted_at=at(date(2024, 5, 6), 16))
    # A public case of 5/9 no patrol had reported: 漏报 for a1's collector.
    rows.case(a1, "E0102", status="accepted", created=at(date(2024, 5, 9), 11), accepted_at=at(date(2024, 5, 9), 12))
    first = rows.case(a1, "E0102", "patrol", status="accepted", created=at(date(2024, 5, 6), 9, 30),
                      accepted_at=at(date(2024, 5, 6), 10))
    first.reports[0].user_id = wang.id
    attached = rows.report(public, at(date(2024, 5, 10), 10, 30), "patrol")
    attached.user_id = wang.id
    make_patrol(wang, a1, date(2024, 5, 6), zero_report=False, findings=[first.reports[0]])
    make_patrol(wang, a1, date(2024, 5, 7), zero_report=False, signed_in_at=at(date(2024, 5, 7), 21))  # after 20:00
    make_patrol(wang, a1, date(2024, 5, 8), zero_report=True)
    make_patrol(wang, a1, date(2024, 5, 10), zero_report=False, findings=[attached])
    make_patrol(zhao, a2, date(2024, 5, 9), zero_report=False)
    db.session.commit()
    return {"wang": wang, "zhao": zhao, "li": li}


def get(client, user, **params):
    return client.get("/api/v1/inbox/stats/posts", query_string={**WEEK, **params}, headers=auth(user))


def test_each_person_is_measured_on_their_own_cells_and_days(client, week):
    answer = get(client, make_staff())
    assert answer.status_code == 200, answer.json
    people = {row["name"]: row for row in answer.json["people"]}
    wang = people["王采集"]
    assert {k: wang[k] for k in ("roles", "cells", "patrols", "zero_reports", "findings", "valid_findings",
                                 "missed", "on_time_days", "due_days", "on_time_rate", "covered_cell_days",
                                 "due_cell_days", "coverage_rate")} == {
        "roles": "网格采集员", "cells": 1, "patrols": 4, "zero_reports": 1,
        "findings": 2, "valid_findings": 1,      # the 5/10 finding joined a case already open
        "missed": 1,                             # the public case of 5/9; the one of 5/6 came after his report
        "on_time_days": 3, "due_days": 5, "on_time_rate": 0.6,  # 5/7 signed in after the cut-off, none on 5/9
        "covered_cell_days": 4, "due_cell_days": 5, "coverage_rate": 0.8}
    li = people["李网格长"]  # bound from 5/8: due 5/8, 5/9, 5/10; 赵 patrolled his cell on 5/9
    assert (li["roles"], li["due_days"], li["on_time_rate"], li["covered_cell_days"], li["coverage_rate"]) == (
        "网格长", 3, 0.0, 1, round(1 / 3, 4))
    assert (people["赵采集"]["on_time_rate"], people["赵采集"]["coverage_rate"]) == (0.2, 0.2)


def test_each_community_has_its_daily_compliance_rate(client, week, world):
    [community] = get(client, make_staff()).json["communities"]
    # 4 cells × 5 days; a1 on 5/6, 5/7, 5/10 patrolled and 5/8 zero-reported, a2 on 5/9.
    assert community == {"code": world.community_a, "name": "朱泾镇测试村", "cells": 4, "cell_days": 20,
                         "patrolled": 4, "zero_report": 1, "compliance_rate": 0.25}


def test_the_people_table_exports_as_csv(client, week):
    answer = get(client, make_staff(), format="csv")
    text = answer.data.decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text[1:])))
    assert text.startswith("\ufeff") and header[:3] == ["用户ID", "姓名", "岗位"]
    wang = dict(zip(header, next(r for r in rows if r[1] == "王采集")))
    assert (wang["漏报数"], wang["按时上报率"], wang["覆盖率"]) == ("1", "60.00%", "80.00%")


def test_another_street_is_refused_and_handlers_may_not_ask(client, week):
    answer = get(client, make_staff(), street=STREET_B)
    assert (answer.status_code, answer.json["error"]["code"]) == (403, "not_your_street")
    handler = make_staff(None, role="dept", username="lvhua-1", department_code="LHSR")
    assert get(client, handler).status_code == 403
