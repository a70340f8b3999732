"""A small fixed world of cases for May 2024, built row by row with the times written out, so
every indicator can be worked out by hand (tests/stats/test_case_indicators.py does).

May 2024 in Shanghai: 1–5 May are the Labour Day holiday, Sunday 28 April and Saturday 11 May
are make-up working days. The clock is 3 June 2024 10:00, after the period.

Street A (朱泾镇), cells a1 and a2; street B (枫泾镇), cell b1. SWJ handles C0104 (雨水箅子),
LHSR handles E0102 (暴露垃圾). Local times, each case's story:
  1 a1 C0104 小程序: accepted 5/6, dispatched 5/6 11:00 to SWJ, fed back 5/10, closed 5/13,
    due 5/20 — on time; rated satisfied 5/14
  2 a1 C0104 公众号: 3 reports (5/20, 5/21, 5/22: a repeat group); accepted and dispatched 5/20,
    fed back 5/24, verification failed 5/27 (rework: dispatched again, sign due 5/28, due 6/12),
    not signed since — sign-for overdue at the end of May
  3 a2 E0102 巡查: dispatched 5/8 to LHSR, signed 5/8, extended 5/14 (due 5/17), never fed
    back; supervised by phone 5/20 and in writing 5/23 — handling and completion overdue
  4 a1 C0104 小程序: rejected 5/9
  5 a2 E0102 小程序: accepted and dispatched 4/25, fed back 5/6, closed 5/7, due 5/8 — on time;
    rated basic 5/8
  6 a1 C0104 小程序: dispatched 5/28 to SWJ, returned by SWJ's handler 5/29 (back to the street)
  7 a1 C0104 小程序: reported 5/30, still pending
  8 a2 C0104 小程序: dispatched 5/27 to SWJ, fed back 5/31, due 5/30, closed 6/2 — due in May but
    not closed by its end
  9 b1 E0102 合作平台 (open311): dispatched 5/10 to LHSR, fed back 5/13, due 5/13, closed 5/14 —
    closed late; rated unsatisfied 5/15
 10 b1 E0102 小程序: dispatched 5/29, fed back 5/30, closed 5/31, due 6/5 — closed early, due later
 11 a1 C0104 小程序: all in March — counted nowhere
 and one report of 5/15 in a1 not yet processed (no case).
"""
from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.cases.models import Case, CaseEvent, CaseRating
from app.core.extensions import db
from app.reports.models import Report
from tests.factories import make_resident

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 3, 10, 0, tzinfo=SHANGHAI)
MAY = {"from": "2024-05-01", "to": "2024-05-31"}


def at(month, day, hour=9, minute=0):
    return datetime(2024, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def frozen(monkeypatch):
    """The statistics views (and the web overview) see NOW as the current time."""
    import app.stats.views


    for module in (app.stats.views,):
        monkeypatch.setattr(module, "utcnow", lambda: NOW.astimezone(UTC))
    return NOW


class Rows:
    """Row factories for the fixed world: a case, its reports, events and ratings."""

    def __init__(self, reporter):
        self.reporter = reporter

    def case(self, cell, category, source="miniprogram", *, status, created, department=None, **times):
        case = Case(status=status, category_code=category, cell_code=cell, community_code=cell[:12],
                    street_code=cell[:9], department_code=department, wgs_lat=30.885, wgs_lng=121.155,
                    created_at=created, updated_at=created, source=source, report_count=0, **times)
        db.session.add(case)
        db.session.flush()
        case.ref = f"AJT-{case.id:06d}"
        self.report(case, created, source)
        return case

    def report(self, case, created, source="miniprogram", cell=None):
        cell = cell or case.cell_code
        report = Report(user_id=self.reporter.id, source=source, category_code=case.category_code if case else "C0104",
                        lat=30.885, lng=121.155, coord="wgs84", wgs_lat=30.885, wgs_lng=121.155, cell_code=cell,
                        street_code=cell[:9], status="processed" if case else "received",
                        case_id=case.id if case else None, created_at=created)
        db.session.add(report)
        if case is not None:
            case.report_count += 1
        db.session.flush()
        return report

    def event(self, case, action, when, actor=None, to_status=None, note=None):
        db.session.add(CaseEvent(case_id=case.id, action=action, at=when, to_status=to_status, note=note,
                                 actor_id=actor.id if actor else None))

    def rating(self, case, satisfaction, when):
        report = case.reports[0] if case.reports else None
        db.session.add(CaseRating(report_id=report.id, case_id=case.id, satisfaction=satisfaction, created_at=when))


def dispatched(rows, case, when, department_name):
    rows.event(case, "dispatch", when, to_status="dispatched", note=f"派遣至 {department_name}")


@pytest.fixture
def may(world):
    from tests.cases.conftest import staff_user

    handler = staff_user("handler-swj", role="dept", department_code="SWJ")
    staff = staff_user("staff-a", street_code=world.street_a)
    rows = Rows(make_resident(openid="o-stats-reporter"))
    a1, a2, b1 = world.cell_a, world.community_a + "002", world.cell_b
    cases = {}

    c = cases[1] = rows.case(a1, "C0104", status="closed", created=at(5, 6), department="SWJ",
                             accepted_at=at(5, 6, 10), dispatched_at=at(5, 6, 11), signed_at=at(5, 7),
                             handled_at=at(5, 10, 15), closed_at=at(5, 13, 10), due_at=at(5, 20, 17))
    dispatched(rows, c, at(5, 6, 11), "区水务局")
    rows.event(c, "verify", at(5, 13, 10), staff, to_status="closed")
    db.session.flush()
    rows.rating(c, "satisfied", at(5, 14))

    c = cases[2] = rows.case(a1, "C0104", "official_account", status="dispatched", created=at(5, 20),
                             department="SWJ", accepted_at=at(5, 20, 10), dispatched_at=at(5, 27, 10),
                             sign_due_at=at(5, 28, 17), handling_due_at=at(6, 3, 17), due_at=at(6, 12, 17),
                             rework_count=1)
    rows.report(c, at(5, 21))
    rows.report(c, at(5, 22))
    dispatched(rows, c, at(5, 20, 11), "区水务局")
    rows.event(c, "sign", at(5, 21), handler, to_status="in_progress")
    rows.event(c, "feedback", at(5, 24, 16), handler, to_status="handled")
    rows.event(c, "verify", at(5, 27, 10), staff, to_status="dispatched")

    c = cases[3] = rows.case(a2, "E0102", "patrol", status="in_progress", created=at(5, 8), department="LHSR",
                             accepted_at=at(5, 8, 9, 30), dispatched_at=at(5, 8, 10), signed_at=at(5, 8, 14),
                             sign_due_at=at(5, 9, 17), handling_due_at=at(5, 13, 17), due_at=at(5, 17, 17),
                             extended_days=3, supervision="written")
    dispatched(rows, c, at(5, 8, 10), "区绿化市容局")
    rows.event(c, "extend", at(5, 14, 10), staff, to_status="in_progress", note="延期 3 个工作日：需要协调")
    rows.event(c, "supervise", at(5, 20), note="电话督办：超期 1 个工作日")
    rows.event(c, "supervise", at(5, 23), note="书面督办：超期 4 个工作日")

    cases[4] = rows.case(a1, "C0104", status="rejected", created=at(5, 9), closed_at=at(5, 9, 15),
                         reject_reason="不属于城市管理范围")

    c = cases[5] = rows.case(a2, "E0102", status="closed", created=at(4, 25), department="LHSR",
                             accepted_at=at(4, 25, 10), dispatched_at=at(4, 25, 11), signed_at=at(4, 26),
                             handled_at=at(5, 6, 10), closed_at=at(5, 7, 10), due_at=at(5, 8, 17))
    dispatched(rows, c, at(4, 25, 11), "区绿化市容局")
    rows.event(c, "verify", at(5, 7, 10), staff, to_status="closed")
    db.session.flush()
    rows.rating(c, "basic", at(5, 8))

    c = cases[6] = rows.case(a1, "C0104", status="accepted", created=at(5, 28), accepted_at=at(5, 28, 10))
    dispatched(rows, c, at(5, 28, 11), "区水务局")
    rows.event(c, "return", at(5, 29, 10), handler, to_status="accepted", note="不属于本单位职责")

    cases[7] = rows.case(a1, "C0104", status="pending", created=at(5, 30))

    c = cases[8] = rows.case(a2, "C0104", status="closed", created=at(5, 27), department="SWJ",
                             accepted_at=at(5, 27, 10), dispatched_at=at(5, 27, 11), signed_at=at(5, 27, 14),
                             handling_due_at=at(5, 29, 17), handled_at=at(5, 31, 16), closed_at=at(6, 2, 10),
                             due_at=at(5, 30, 17))
    dispatched(rows, c, at(5, 27, 11), "区水务局")
    rows.event(c, "verify", at(6, 2, 10), staff, to_status="closed")

    c = cases[9] = rows.case(b1, "E0102", "open311", status="closed", created=at(5, 10), department="LHSR",
                             accepted_at=at(5, 10, 10), dispatched_at=at(5, 10, 11), signed_at=at(5, 10, 14),
                             handled_at=at(5, 13, 10), closed_at=at(5, 14, 10), due_at=at(5, 13, 17))
    dispatched(rows, c, at(5, 10, 11), "区绿化市容局")
    rows.event(c, "verify", at(5, 14, 10), None, to_status="closed")
    db.session.flush()
    rows.rating(c, "unsatisfied", at(5, 15))

    c = cases[10] = rows.case(b1, "E0102", status="closed", created=at(5, 29), department="LHSR",
                              accepted_at=at(5, 29, 10), dispatched_at=at(5, 29, 11), signed_at=at(5, 29, 14),
                              handled_at=at(5, 30, 10), closed_at=at(5, 31, 10), due_at=at(6, 5, 17))
    dispatched(rows, c, at(5, 29, 11), "区绿化市容局")
    rows.event(c, "verify", at(5, 31, 10), None, to_status="closed")

    c = cases[11] = rows.case(a1, "C0104", status="closed", created=at(3, 1), department="SWJ",
                              accepted_at=at(3, 1, 10), dispatched_at=at(3, 1, 11), handled_at=at(3, 10),
                              closed_at=at(3, 20), due_at=at(3, 15, 17))
    dispatched(rows, c, at(3, 1, 11), "区水务局")

    rows.report(None, at(5, 15), cell=a1)  # received, not processed yet
    db.session.commit()
    return SimpleNamespace(cases=cases, handler=handler, staff=staff, world=world)
