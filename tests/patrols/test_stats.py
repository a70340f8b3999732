"""Patrol statistics over a date range, and the same tables as CSV that Excel opens in Chinese."""
import csv
import io
from datetime import timedelta

import pytest

from app.core.extensions import db
from tests.factories import STREET_B, auth, make_collector, make_staff
from tests.patrols.conftest import TODAY, make_patrol, make_report

MONDAY = TODAY - timedelta(days=2)


@pytest.fixture
def week(world):
    """Two collectors in street A over Monday..Wednesday, and a department visit."""
    cells = sorted(c for c in world.cells if c.startswith(world.street_a))
    wang = make_collector(cells[0], "o-wang")
    wang.nickname = "王采集"
    li = make_collector(cells[1], "o-li")
    li.nickname = "=李监督"  # a formula-looking nickname must stay text in Excel
    for day in (MONDAY, MONDAY + timedelta(days=1)):
        make_patrol(wang, cells[0], day, zero_report=False,
                    findings=[make_report(world, wang, cells[0]), make_report(world, wang, cells[0])])
    for day in (MONDAY, MONDAY + timedelta(days=1), TODAY):
        make_patrol(li, cells[1], day, zero_report=True)
    handler = make_staff(None, role="dept", username="cgzf-1", department_code="CGZF")
    make_patrol(handler, cells[2], TODAY, kind="department", zero_report=False,
                findings=[make_report(world, handler, cells[2])])
    db.session.commit()
    return {"cells": cells, "wang": wang, "li": li, "handler": handler}


def get_stats(client, user, **params):
    return client.get("/api/v1/inbox/patrols/stats", query_string=params, headers=auth(user))


def test_findings_are_counted_per_collector_and_per_cell(client, world, clock, staff_a, week):
    answer = get_stats(client, staff_a, **{"from": MONDAY.isoformat(), "to": TODAY.isoformat()})
    assert answer.status_code == 200
    stats = answer.json
    assert (stats["from"], stats["to"], stats["street"]["code"]) == ("2024-05-06", "2024-05-08", world.street_a)
    collectors = {row["name"]: row for row in stats["collectors"]}
    assert collectors["王采集"] == {"user_id": week["wang"].id, "name": "王采集", "kind": "collector",
                                  "patrols": 2, "findings": 4, "zero_reports": 0}
    assert (collectors["=李监督"]["patrols"], collectors["=李监督"]["zero_reports"]) == (3, 3)
    assert collectors["cgzf-1"]["kind"] == "department" and collectors["cgzf-1"]["findings"] == 1
    cells = {row["code"]: row for row in stats["cells"]}
    assert len(cells) == 4
    assert cells[week["cells"][0]]["findings"] == 4
    assert cells[week["cells"][2]]["findings"] == 1
    assert cells[week["cells"][3]] == {"code": week["cells"][3], "name": "朱泾镇测试网格4",
                                      "community_code": world.community_a, "patrols": 0, "findings": 0,
                                      "zero_reports": 0}


def test_the_zero_report_rate_is_per_community(client, world, clock, staff_a, week):
    stats = get_stats(client, staff_a, **{"from": MONDAY.isoformat(), "to": TODAY.isoformat()}).json
    [community] = stats["communities"]
    # 4 cells x 3 days; the department visit does not count for compliance.
    assert community == {"code": world.community_a, "name": "朱泾镇测试村", "cells": 4, "cell_days": 12,
                         "patrolled": 2, "zero_report": 3, "missing": 7,
                         "zero_report_rate": 0.6, "coverage_rate": round(5 / 12, 4)}


def test_the_range_defaults_to_the_last_seven_days(client, world, clock, staff_a):
    stats = get_stats(client, staff_a).json
    assert (stats["from"], stats["to"]) == ("2024-05-02", "2024-05-08")
    assert stats["communities"][0]["zero_report_rate"] is None  # nothing reported: no rate, not 0


def test_another_street_sees_only_its_own_numbers(client, world, clock, week):
    stats = get_stats(client, make_staff(STREET_B)).json
    assert stats["collectors"] == [] and stats["communities"][0]["code"] == world.community_b


@pytest.mark.parametrize("params, code", [
    ({"to": (TODAY + timedelta(days=1)).isoformat()}, "date_in_future"),
    ({"from": (TODAY + timedelta(days=1)).isoformat()}, "date_in_future"),
    ({"from": TODAY.isoformat(), "to": MONDAY.isoformat()}, "invalid_range"),
    ({"from": "2023-01-01", "to": TODAY.isoformat()}, "invalid_range"),
    ({"from": "05/06/2024"}, "validation_error"),
    ({"format": "xlsx"}, "validation_error"),
    ({"table": "everything"}, "validation_error"),
], ids=["to in the future", "from in the future", "from after to", "more than a year", "not ISO", "format",
        "table"])
def test_bad_ranges_and_options_are_a_400(client, world, clock, staff_a, params, code):
    answer = get_stats(client, staff_a, **params)
    assert (answer.status_code, answer.json["error"]["code"]) == (400, code)


def read_csv(answer):
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))


def test_the_community_table_exports_as_csv_with_chinese_headers(client, world, clock, staff_a, week):
    answer = get_stats(client, staff_a, format="csv", **{"from": MONDAY.isoformat(), "to": TODAY.isoformat()})
    rows = read_csv(answer)
    assert rows[0] == ["村居编码", "村居", "子网格数", "网格·天", "已巡查", "零报告", "未巡查", "零报告率", "巡查覆盖率"]
    assert rows[1] == [world.community_a, "朱泾镇测试村", "4", "12", "2", "3", "7", "60.00%", "41.67%"]
    disposition = answer.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="patrol-communities-{world.street_a}-2024-05-06-2024-05-08.csv"'


def test_the_collector_table_exports_from_stats_csv_with_formulas_defused(client, world, clock, staff_a, week):
    answer = client.get("/api/v1/inbox/patrols/stats.csv?table=collectors&from=2024-05-06", headers=auth(staff_a))
    rows = read_csv(answer)
    assert rows[0] == ["用户ID", "姓名", "类型", "巡查次数", "发现问题数", "零报告次数"]
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["王采集"][2:] == ["网格采集员", "2", "4", "0"]
    assert by_name["'=李监督"][2:] == ["网格采集员", "3", "0", "3"]
    assert by_name["cgzf-1"][2] == "职能部门"


def test_the_cell_table_exports_too(client, world, clock, staff_a, week):
    rows = read_csv(get_stats(client, staff_a, format="csv", table="cells"))
    assert rows[0][:2] == ["子网格编码", "子网格"] and len(rows) == 5
