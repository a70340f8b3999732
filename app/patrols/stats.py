"""Patrol statistics over a date range: findings per collector and per cell, zero-report rate per
community, and the same tables as CSV for Excel.

Rates are fractions (0..1) or None when there is nothing to divide by:
- zero_report_rate: zero-report cell-days / cell-days patrolled or zero-reported;
- coverage_rate: cell-days patrolled or zero-reported / all cell-days in the range.
"""
import csv
import io
from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.clock import local_day
from app.core.errors import ApiError
from app.core.extensions import db
from app.patrols import compliance, days
from app.patrols.models import Patrol
from app.reports.models import Report

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 7
TABLES = ("communities", "collectors", "cells")


def date_range(*, start, end, now):
    """(start, end) checked: not in the future, in order, at most a year; default the last week."""
    end = days.ensure_not_future(end, now, "to") or local_day(now)
    start = days.ensure_not_future(start, now, "from") or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if start > end:
        raise ApiError.bad_request("开始日期不能晚于结束日期 (from after to)", "invalid_range",
                                   fields={"from": ["after to"]})
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ApiError.bad_request(f"统计范围最多 {MAX_RANGE_DAYS} 天 (range too long)", "invalid_range",
                                   fields={"from": [f"at most {MAX_RANGE_DAYS} days before to"]})
    return start, end


def patrol_stats(*, street, start, end):
    patrols = patrols_in(street.code, start, end)
    findings = findings_per_patrol([p.id for p in patrols])
    cells = compliance.cells_of(street.code)
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "street": {"code": street.code, "name": street.name},
        "collectors": per_collector(patrols, findings),
        "cells": per_cell(cells, patrols, findings),
        "communities": per_community(cells, compliance.statuses(start=start, end=end, street_code=street.code),
                                     days.days_between(start, end)),
    }


def patrols_in(street_code, start, end):
    return db.session.execute(
        select(Patrol.id, Patrol.collector_id, Patrol.kind, Patrol.cell_code, Patrol.status, Patrol.zero_report)
        .where(Patrol.street_code == street_code, Patrol.date >= start, Patrol.date <= end)).all()


def findings_per_patrol(patrol_ids):
    if not patrol_ids:
        return Counter()
    rows = db.session.execute(select(Report.patrol_id, func.count(Report.id))
                              .where(Report.patrol_id.in_(patrol_ids)).group_by(Report.patrol_id))
    return Counter(dict(rows.all()))


def tally(patrols, findings, key):
    totals = defaultdict(lambda: {"patrols": 0, "findings": 0, "zero_reports": 0})
    for patrol in patrols:
        row = totals[key(patrol)]
        row["patrols"] += 1
        row["findings"] += findings[patrol.id]
        row["zero_reports"] += patrol.status == "finished" and patrol.zero_report
    return totals


def per_collector(patrols, findings):
    totals = tally(patrols, findings, key=lambda p: (p.collector_id, p.kind))
    names = display_names({user_id for user_id, _ in totals})
    rows = [{"user_id": user_id, "name": names.get(user_id), "kind": kind, **counts}
            for (user_id, kind), counts in totals.items()]
    return sorted(rows, key=lambda r: (-r["findings"], r["user_id"], r["kind"]))


def display_names(user_ids):
    """Nickname or staff username; never the phone number (personal data)."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.nickname, User.username).where(User.id.in_(user_ids)))
    return {user_id: nickname or username or f"用户{user_id}" for user_id, nickname, username in rows}


def per_cell(cells, patrols, findings):
    totals = tally(patrols, findings, key=lambda p: p.cell_code)
    empty = {"patrols": 0, "findings": 0, "zero_reports": 0}
    return [{"code": c.code, "name": c.name, "community_code": c.community_code, **totals.get(c.code, empty)}
            for c in cells]


def per_community(cells, found, dates):
    rows = {}
    for cell in cells:
        row = rows.setdefault(cell.community_code, {"code": cell.community_code, "name": cell.community_name,
                                                    "cells": 0, "patrolled": 0, "zero_report": 0, "missing": 0})
        row["cells"] += 1
        for day in dates:
            row[compliance.status_of(found, day, cell.code)] += 1
    return [with_rates(row, len(dates)) for row in rows.values()]


def with_rates(row, day_count):
    covered = row["patrolled"] + row["zero_report"]
    cell_days = row["cells"] * day_count
    return {**row, "cell_days": cell_days,
            "zero_report_rate": round(row["zero_report"] / covered, 4) if covered else None,
            "coverage_rate": round(covered / cell_days, 4) if cell_days else None}


# --- CSV ----------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
KIND_NAMES = {"collector": "网格采集员", "department": "职能部门"}
COLUMNS = {
    "communities": [("code", "村居编码"), ("name", "村居"), ("cells", "子网格数"), ("cell_days", "网格·天"),
                    ("patrolled", "已巡查"), ("zero_report", "零报告"), ("missing", "未巡查"),
                    ("zero_report_rate", "零报告率"), ("coverage_rate", "巡查覆盖率")],
    "collectors": [("user_id", "用户ID"), ("name", "姓名"), ("kind", "类型"), ("patrols", "巡查次数"),
                   ("findings", "发现问题数"), ("zero_reports", "零报告次数")],
    "cells": [("code", "子网格编码"), ("name", "子网格"), ("community_code", "村居编码"), ("patrols", "巡查次数"),
              ("findings", "发现问题数"), ("zero_reports", "零报告次数")],
}


def to_csv(stats, table):
    """One table as CSV text, starting with a BOM so Excel reads the Chinese as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for _, title in COLUMNS[table]])
    for row in stats[table]:
        writer.writerow([csv_value(key, row[key]) for key, _ in COLUMNS[table]])
    return "\ufeff" + out.getvalue()


def csv_value(key, value):
    if value is None:
        return ""
    if key == "kind":
        return KIND_NAMES.get(value, value)
    if key.endswith("_rate"):
        return f"{value:.2%}"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # a WeChat nickname like "=HYPERLINK(...)" must stay text in Excel
    return value
