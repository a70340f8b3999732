"""Every case indicator of the fixed May world (tests/stats/conftest.py), worked out by hand,
matches in the API, in the CSV and in the workbook."""
import csv
import io

import pytest
from openpyxl import load_workbook

from tests.factories import STREET_A, STREET_B, auth
from tests.stats.conftest import MAY

NA = "not available"
# By hand, from the stories in conftest.py. Rates are (numerator, denominator).
STREET_A_FIGURES = {
    "received": 10,        # reports of 5/6, 5/20, 5/21, 5/22, 5/8, 5/9, 5/28, 5/30, 5/27 and the unprocessed 5/15
    "accepted": 5,         # cases 1, 2, 3, 6, 8
    "rejected": 1,         # case 4
    "due": 4,              # due in May: 1 (5/20), 3 (5/17), 5 (5/8), 8 (5/30)
    "suspended": 0,
    "closed": 2,           # 1 and 5; 8 was closed on 6/2, after the period
    "closure_rate": (2, 4),
    "closed_on_time": 2,   # 1 and 5
    "on_time_rate": (2, 4),
    "reworked": 1,         # case 2 failed verification 5/27
    "rework_rate": (1, 3),  # verified in May: 1, 2, 5
    "extended": 1,         # case 3
    "extension_rate": (1, 5),  # dispatched in May: 1, 2, 3, 6, 8
    "returned": 1,         # case 6
    "return_rate": (1, 5),
    "overdue_sign": 1,     # case 2: sign due 5/28, not signed
    "overdue_handling": 1,  # case 3: first handling due 5/13, never fed back
    "overdue_completion": 1,  # case 3: due 5/17 (case 8 was fed back 5/31 before the end)
    "supervised": 2, "supervised_phone": 1, "supervised_written": 1, "supervised_on_site": 0,
    "supervised_meeting": 0, "supervised_leader": NA, "supervised_review": NA, "urged": NA,
    "mean_handling_days": (13, 3),  # 1: 5/6→5/10 4 days; 5: 4/25→5/6 5 days (4/28 worked, 5/1–5/5 off); 8: 5/27→5/31 4
    "callback_rate": NA,
    "satisfaction_rate": (2, 2),  # case 1 satisfied, case 5 basic
    "repeat_groups": 1,    # case 2, three reports
}
STREET_B_FIGURES = {
    "received": 2, "accepted": 2, "rejected": 0,
    "due": 2,              # 9 due 5/13; 10 closed 5/31 before its deadline of 6/5
    "suspended": 0, "closed": 2, "closure_rate": (2, 2),
    "closed_on_time": 1,   # 10; 9 was closed 5/14, after 5/13
    "on_time_rate": (1, 2), "reworked": 0, "rework_rate": (0, 2), "extended": 0, "extension_rate": (0, 2),
    "returned": 0, "return_rate": (0, 2), "overdue_sign": 0, "overdue_handling": 0, "overdue_completion": 0,
    "supervised": 0, "supervised_phone": 0, "supervised_written": 0, "supervised_on_site": 0,
    "supervised_meeting": 0, "supervised_leader": NA, "supervised_review": NA, "urged": NA,
    "mean_handling_days": (3, 2),  # 9: 5/10→5/13 2 days (Saturday 5/11 worked); 10: 5/29→5/30 1 day
    "callback_rate": NA, "satisfaction_rate": (0, 1), "repeat_groups": 0,
}
TOTAL_FIGURES = {
    "received": 12, "accepted": 7, "rejected": 1, "due": 6, "suspended": 0, "closed": 4, "closure_rate": (4, 6),
    "closed_on_time": 3, "on_time_rate": (3, 6), "reworked": 1, "rework_rate": (1, 5), "extended": 1,
    "extension_rate": (1, 7), "returned": 1, "return_rate": (1, 7), "overdue_sign": 1, "overdue_handling": 1,
    "overdue_completion": 1, "supervised": 2, "supervised_phone": 1, "supervised_written": 1,
    "supervised_on_site": 0, "supervised_meeting": 0, "supervised_leader": NA, "supervised_review": NA,
    "urged": NA, "mean_handling_days": (16, 5), "callback_rate": NA, "satisfaction_rate": (2, 3),
    "repeat_groups": 1,
}


def as_figure(expected, key):
    if expected == NA:
        return "NA"
    if isinstance(expected, tuple):
        numerator, denominator = expected
        digits = 2 if key == "mean_handling_days" else 4
        return {"value": round(numerator / denominator, digits), "numerator": numerator, "denominator": denominator}
    return {"value": expected}


def simplified(figures):
    return {key: "NA" if figure.get("available") is False else figure for key, figure in figures.items()}


def expected(by_hand):
    return {key: as_figure(value, key) for key, value in by_hand.items()}


@pytest.fixture
def admin(world):
    from app.core.extensions import db
    from tests.cases.conftest import staff_user

    user = staff_user("district-admin", role="admin")
    db.session.commit()
    return user


def get(client, user, path="/api/v1/inbox/stats", **params):
    return client.get(path, query_string={**MAY, **params}, headers=auth(user))


def rows_by_key(table):
    return {row["key"]: row for row in table["rows"]}


def test_every_indicator_of_each_street_matches_the_hand_count(client, may, frozen, admin):
    answer = get(client, admin, group_by="street")
    assert answer.status_code == 200, answer.json
    rows = rows_by_key(answer.json)
    assert simplified(rows[STREET_A]["figures"]) == expected(STREET_A_FIGURES)
    assert simplified(rows[STREET_B]["figures"]) == expected(STREET_B_FIGURES)
    assert simplified(answer.json["total"]["figures"]) == expected(TOTAL_FIGURES)


def test_all_eleven_streets_are_listed_and_a_street_without_cases_has_no_rates(client, may, frozen, admin):
    table = get(client, admin, group_by="street").json
    assert len(table["rows"]) == 11
    empty = rows_by_key(table)["310116103"]["figures"]
    assert empty["accepted"] == {"value": 0}
    assert empty["closure_rate"] == {"value": None, "numerator": 0, "denominator": 0}  # not 0 %, not 100 %


def test_indicators_whose_records_have_not_landed_say_why(client, may, frozen, admin):
    figures = get(client, admin).json["total"]["figures"]
    assert figures["urged"] == {"value": None, "available": False, "reason": figures["urged"]["reason"]}
    assert "催办" in figures["urged"]["reason"] and "回访" in figures["callback_rate"]["reason"]


def test_street_staff_get_their_street_by_community_with_the_same_figures(client, may, frozen):
    answer = get(client, may.staff)
    assert answer.status_code == 200
    assert answer.json["group_by"] == "community" and answer.json["scope"]["street"] == STREET_A
    assert simplified(answer.json["total"]["figures"]) == expected(STREET_A_FIGURES)


def test_cells_split_street_a_as_the_stories_say(client, may, frozen, admin):
    rows = rows_by_key(get(client, admin, group_by="cell", street=STREET_A).json)
    a1, a2 = may.world.cell_a, may.world.community_a + "002"
    assert [rows[a1]["figures"][k]["value"] for k in ("accepted", "due", "closed", "returned")] == [3, 1, 1, 1]
    assert [rows[a2]["figures"][k]["value"] for k in ("accepted", "due", "closed", "overdue_completion")] == [2, 3, 1, 1]


def test_departments_are_credited_with_their_returns_and_dispatches(client, may, frozen, admin):
    table = get(client, admin, group_by="department").json
    rows = rows_by_key(table)
    swj, lhsr = rows["SWJ"]["figures"], rows["LHSR"]["figures"]
    # SWJ: dispatches of 1, 2, 6, 8; it returned 6.
    assert (swj["return_rate"]["numerator"], swj["return_rate"]["denominator"]) == (1, 4)
    assert (swj["due"]["value"], swj["closed"]["value"], swj["overdue_sign"]["value"]) == (2, 1, 1)
    assert (lhsr["due"]["value"], lhsr["closed_on_time"]["value"], lhsr["supervised"]["value"]) == (4, 2, 2)
    assert simplified(table["total"]["figures"]) == expected(TOTAL_FIGURES)


def test_sources_follow_the_first_report_of_each_case(client, may, frozen, admin):
    rows = rows_by_key(get(client, admin, group_by="source").json)
    assert list(rows) == ["miniprogram", "official_account", "patrol", "partner", "video"]
    assert {k: rows[k]["figures"]["accepted"]["value"] for k in rows} == {
        "miniprogram": 4, "official_account": 1, "patrol": 1, "partner": 1, "video": 0}
    # 受理 counts reports by their own channel: case 2's second and third came by mini-program.
    assert rows["official_account"]["figures"]["received"]["value"] == 1
    assert rows["miniprogram"]["figures"]["received"]["value"] == 9


def test_a_weekly_table_counts_each_figure_in_the_week_of_its_own_event(client, may, frozen, admin):
    table = get(client, admin, group_by="week").json
    weeks = rows_by_key(table)
    assert list(weeks)[:2] == ["2024-04-29", "2024-05-06"]
    # Week of 5/13: due then are 9 (5/13) and 3 (5/17); 1 was closed that week before its deadline
    # of 5/20, so it is 应结案 (and 结案) in this week and again in the week of 5/20.
    assert [weeks["2024-05-13"]["figures"][k]["value"] for k in ("due", "closed", "closed_on_time")] == [3, 2, 1]
    assert [weeks["2024-05-20"]["figures"][k]["value"] for k in ("due", "closed")] == [1, 1]
    assert [weeks["2024-05-06"]["figures"][k]["value"] for k in ("due", "closed")] == [1, 1]  # 5
    # Week of 5/27: 8 (due 5/30, closed in the next week) and 10 (closed early).
    assert [weeks["2024-05-27"]["figures"][k]["value"] for k in ("due", "closed")] == [2, 1]
    assert weeks["2024-05-06"]["figures"]["overdue_sign"]["available"] is False
    assert simplified(table["total"]["figures"]) == expected(TOTAL_FIGURES)


def test_the_top_categories_and_cells_are_ranked_by_cases_accepted(client, may, frozen, admin):
    table = get(client, admin, "/api/v1/inbox/stats/top").json
    assert [(t["code"], t["accepted"]) for t in table["top_categories"]] == [("C0104", 4), ("E0102", 3)]
    assert table["top_cells"][0] == {"code": may.world.cell_a, "name": "朱泾镇测试网格1", "accepted": 3}


def test_a_filter_narrows_every_figure(client, may, frozen, admin):
    total = get(client, admin, category="E01").json["total"]["figures"]
    assert (total["accepted"]["value"], total["due"]["value"], total["received"]["value"]) == (3, 4, 3)
    total = get(client, admin, source="partner").json["total"]["figures"]
    assert (total["accepted"]["value"], total["satisfaction_rate"]["denominator"]) == (1, 1)


def csv_rows(answer):
    text = answer.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def in_file(value, key):
    """How a by-hand figure reads in the CSV: a rate as 50.00%, not available as 不可用."""
    if value == NA:
        return "不可用"
    if isinstance(value, tuple):
        numerator, denominator = value
        return f"{numerator / denominator:.2f}" if key == "mean_handling_days" else f"{numerator / denominator:.2%}"
    return str(value)


def test_the_csv_carries_the_same_figures_with_chinese_headers(client, may, frozen, admin):
    answer = get(client, admin, "/api/v1/inbox/stats.csv", group_by="street")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    header, *rows = csv_rows(answer)
    assert header[:3] == ["街镇", "受理数", "立案数"] and "结案率（分子/分母）" in header
    by_label = {row[0]: dict(zip(header, row)) for row in rows}
    for label, figures in (("朱泾镇", STREET_A_FIGURES), ("枫泾镇", STREET_B_FIGURES), ("合计", TOTAL_FIGURES)):
        for key, value in figures.items():
            from app.stats.indicators import BY_KEY

            title = BY_KEY[key].label + (f"（{BY_KEY[key].unit}）" if BY_KEY[key].unit else "")
            if key == "mean_handling_days":
                assert float(by_label[label][title]) == round(value[0] / value[1], 2), (label, key)
            else:
                assert by_label[label][title] == in_file(value, key), (label, key)
            if isinstance(value, tuple):
                assert by_label[label][BY_KEY[key].label + "（分子/分母）"] == f"{value[0]}/{value[1]}"


def test_the_workbook_has_a_sheet_per_grouping_with_period_scope_and_the_same_figures(client, may, frozen, admin):
    from app.stats.indicators import BY_KEY

    answer = get(client, admin, "/api/v1/inbox/stats.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["街镇", "承办单位", "大类", "来源", "按日"]
    sheet = book["街镇"]
    assert "全区" in sheet["A2"].value and "2024-05-01 至 2024-05-31" in sheet["B2"].value
    header = [cell.value for cell in sheet[3]]
    rows = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}
    for label, figures in (("朱泾镇", STREET_A_FIGURES), ("合计", TOTAL_FIGURES)):
        for key, value in figures.items():
            title = BY_KEY[key].label + (f"（{BY_KEY[key].unit}）" if BY_KEY[key].unit else "")
            cell = rows[label][title]
            if value == NA:
                assert cell == "不可用", (label, key)
            elif isinstance(value, tuple):
                digits = 2 if key == "mean_handling_days" else 4
                assert cell == round(value[0] / value[1], digits), (label, key)
            else:
                assert cell == value, (label, key)
    assert sheet.cell(row=5, column=header.index("结案率") + 1).number_format == "0.00%"


def test_the_monthly_bulletin_ranks_by_on_time_rate_and_names_the_lowest(client, may, frozen, admin):
    answer = client.get("/api/v1/inbox/stats/bulletin.xlsx", query_string={"month": "2024-05"}, headers=auth(admin))
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    streets = [row for row in book["街镇排名"].iter_rows(min_row=4, values_only=True) if row and row[0]]
    # Both streets at 50 %: the one with more due ranks first; streets with nothing due come last.
    assert [(r[0], r[1], r[4]) for r in streets[:2]] == [(1, "朱泾镇", 0.5), (2, "枫泾镇", 0.5)]
    closing = [row[0] for row in book["街镇排名"].iter_rows(values_only=True) if row and row[0]][-1]
    assert closing == "按期结案率最低的街镇：枫泾镇、朱泾镇"
    departments = [row[1] for row in book["承办单位排名"].iter_rows(min_row=4, values_only=True) if row and row[0]
                   and isinstance(row[0], int)]
    assert departments[:2] == ["区绿化市容局", "区水务局"]  # 2/4 = 50 % … and SWJ 1/2


@pytest.mark.parametrize("params, status, code", [
    ({"from": "2024-06-01", "to": "2024-05-01"}, 400, "invalid_range"),
    ({"from": "2020-01-01", "to": "2024-05-31"}, 400, "range_too_long"),
    ({"group_by": "planet"}, 400, "unknown_group_by"),
    # The input layer (app/core/inputs.py) refuses dates no clock can hold; statistics, days
    # before STATS_EARLIEST_DATE or more than a year ahead.
    ({"from": "0001-01-01"}, 400, "validation_error"),
    ({"to": "9999-12-31"}, 400, "validation_error"),
    ({"from": "1999-12-31"}, 400, "validation_error"),
    ({"to": "2031-01-01"}, 400, "date_out_of_range"),
    ({"from": "2024-02-30"}, 400, "validation_error"),
    ({"street": "310116999"}, 400, "unknown_street"),
    ({"category": "X01"}, 400, "validation_error"),
    ({"category": "C99"}, 400, "unknown_category"),
    ({"source": "fax"}, 400, "validation_error"),
    ({"department": "NOPE"}, 400, "unknown_department"),
])
def test_bad_input_is_a_clear_4xx_with_a_code(client, may, frozen, admin, params, status, code):
    answer = get(client, admin, **params)
    assert (answer.status_code, answer.json["error"]["code"]) == (status, code)


def test_street_staff_asking_for_another_street_are_refused(client, may, frozen):
    answer = get(client, may.staff, street=STREET_B)
    assert (answer.status_code, answer.json["error"]["code"]) == (403, "not_your_street")


def test_a_handler_asking_for_another_department_is_refused(client, may, frozen):
    answer = get(client, may.handler, department="LHSR")
    assert (answer.status_code, answer.json["error"]["code"]) == (403, "not_your_department")


def test_a_handler_sees_only_their_department(client, may, frozen):
    answer = get(client, may.handler)
    assert answer.status_code == 200 and answer.json["scope"]["department"] == "SWJ"
    figures = answer.json["total"]["figures"]
    assert (figures["due"]["value"], figures["returned"]["value"]) == (2, 1)


def test_residents_get_no_statistics(client, may, frozen):
    from tests.factories import make_resident

    answer = get(client, make_resident(openid="o-curious"))
    assert answer.status_code == 403
