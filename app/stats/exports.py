"""Statistics as files: a table as CSV (UTF-8 with BOM, Chinese headers, as the patrol CSV), all
groupings as one Excel workbook (a sheet each, the period and scope in its header), and the
monthly bulletin (通报) ranking streets and departments by 按期结案率 with the lowest named.

Files carry the same figures as the JSON answer: a rate as a number formatted as a percentage
(its numerator/denominator beside it), an indicator that is not available as "不可用" with
the reason in the notes, never a 0.
"""
import csv
import io

from flask import current_app
from openpyxl import Workbook
from openpyxl.styles import Font

from app.patrols.stats import FORMULA_STARTS
from app.stats import service
from app.stats.indicators import BY_KEY, INDICATORS, RATE
from app.stats.posts import COLUMNS as POST_COLUMNS

NOT_AVAILABLE, NOT_GROUPED = "不可用", "—"
TITLE = "金山区城市网格化管理统一考核"


# --- one table as CSV ---------------------------------------------------------------------

def table_csv(table):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header(table))
    for row in all_rows(table):
        writer.writerow([text(value) for value in row_cells(row)])
    return "\ufeff" + out.getvalue()


def header(table):
    cells = [table["group_label"]]
    for indicator in INDICATORS:
        cells.append(indicator.label + (f"（{indicator.unit}）" if indicator.unit else ""))
        if indicator.kind != "count":
            cells.append(f"{indicator.label}（分子/分母）")
    return cells


def all_rows(table):
    return [*table["rows"], table["total"]]


def row_cells(row):
    """The row's label, then per indicator its value (and numerator/denominator for rates)."""
    cells = [row["label"]]
    for indicator in INDICATORS:
        figure = row["figures"][indicator.key]
        cells.append(cell_value(indicator, figure))
        if indicator.kind != "count":
            cells.append(fraction(figure))
    return cells


def cell_value(indicator, figure):
    if figure.get("available") is False:
        return NOT_AVAILABLE if not indicator.snapshot else NOT_GROUPED
    if figure["value"] is None:
        return ""
    return Percent(figure["value"]) if indicator.kind == RATE else figure["value"]


def fraction(figure):
    return f"{figure['numerator']}/{figure['denominator']}" if "numerator" in figure else ""


class Percent(float):
    """A rate: a number in the workbook, "80.00%" in the CSV."""


def text(value):
    if isinstance(value, Percent):
        return f"{value:.2%}"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- the workbook -------------------------------------------------------------------------------

SHEETS = {"district": ("street", "department", "major", "source"),
          "street": ("community", "department", "major", "source"),
          "department": ("street", "major", "source")}


def workbook_tables(scope, span):
    """Every grouping the scope has, then time: by month, or by week/day for short periods."""
    names = [*SHEETS[scope.level], time_grouping(span)]
    return [service.case_stats(scope=scope, period=span, group_by=name) for name in names]


def time_grouping(span):
    return "day" if span.days <= 31 else "week" if span.days <= 92 else "month"


def workbook(tables):
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        write_sheet(book.create_sheet(table["group_label"][:31]), table)
    return saved(book)


def write_sheet(sheet, table):
    sheet.append([f"{TITLE}统计（{table['group_label']}）"])
    sheet.append([f"统计范围：{table['scope']['name']}", f"统计期间：{table['from']} 至 {table['to']}"])
    sheet.append(header(table))
    for row in all_rows(table):
        sheet.append([float(v) if isinstance(v, Percent) else v for v in row_cells(row)])
        mark_percentages(sheet)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.freeze_panes = "B4"
    sheet.column_dimensions["A"].width = 28
    notes(sheet)


def mark_percentages(sheet):
    for cell, title in zip(sheet[sheet.max_row], sheet[3]):
        if isinstance(cell.value, float) and not str(title.value).endswith("（工作日）"):
            cell.number_format = "0.00%"


def notes(sheet):
    sheet.append([])
    for indicator in INDICATORS:
        if not indicator.available:
            sheet.append([f"说明：{indicator.label}", indicator.unavailable])


def saved(book):
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the monthly bulletin -------------------------------------------------------------------------

BULLETIN_COLUMNS = ("due", "closed_on_time", "on_time_rate", "closed", "closure_rate", "overdue_completion")


def bulletin(scope, span):
    book = Workbook()
    book.remove(book.active)
    for group_by, title in (("street", "街镇排名"), ("department", "承办单位排名")):
        table = service.case_stats(scope=scope, period=span, group_by=group_by)
        write_ranking(book.create_sheet(title), table, span)
    return saved(book)


def ranked(rows):
    """By 按期结案率, highest first; units with nothing due (no rate) last."""
    def order(row):
        value = row["figures"]["on_time_rate"]["value"]
        return (value is None, -(value or 0), -row["figures"]["due"]["value"], str(row["key"]))

    return sorted(rows, key=order)


def lowest(rows):
    rated = [row for row in rows if row["figures"]["on_time_rate"]["value"] is not None]
    return rated[-current_app.config["STATS_BULLETIN_LOWEST"]:][::-1]


def write_ranking(sheet, table, span):
    rows = ranked([row for row in table["rows"] if row["key"] is not None])
    sheet.append([f"{TITLE}通报（{span.first:%Y年%m月}）：{table['group_label']}按期结案率排名"])
    sheet.append([f"统计范围：{table['scope']['name']}", f"统计期间：{span.label()}"])
    sheet.append(["名次", table["group_label"], *(BY_KEY[k].label for k in BULLETIN_COLUMNS)])
    for place, row in enumerate(rows, start=1):
        sheet.append([place, row["label"], *(bulletin_value(row, k) for k in BULLETIN_COLUMNS)])
        mark_percentages(sheet)
    sheet.append([])
    names = "、".join(row["label"] for row in lowest(rows)) or "无"
    sheet.append([f"按期结案率最低的{table['group_label']}：{names}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["B"].width = 24


def bulletin_value(row, key):
    value = row["figures"][key]["value"]
    return value if value is not None else ""


# --- post indicators ------------------------------------------------------------------------------

def posts_csv(result, table):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for _, title in POST_COLUMNS[table]])
    for row in result[table]:
        writer.writerow([text(Percent(row[k]) if k.endswith("_rate") and row[k] is not None else row[k])
                         if row[k] is not None else "" for k, _ in POST_COLUMNS[table]])
    return "\ufeff" + out.getvalue()


def filename(kind, scope, span, extension):
    place = scope.street_code or scope.department_code or "district"
    return f"{kind}-{place}-{span.first.isoformat()}-{span.last.isoformat()}.{extension}"
