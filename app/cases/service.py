"""Creating cases and writing their timeline. State changes go through transitions.py."""
from app.cases.models import Case, CaseEvent
from app.core.clock import local_day
from app.core.extensions import db

SYSTEM = "system"


def case_ref(case):
    # The id makes it unique; the local date makes it readable over the phone.
    return f"AJ{local_day(case.created_at):%Y%m%d}-{case.id:06d}"


def open_case_for_report(*, report, community_code, now):
    """A new pending case around its first report; the caller commits."""
    case = Case(status="pending", category_code=report.category_code, cell_code=report.cell_code,
                community_code=community_code, street_code=report.street_code,
                wgs_lat=report.wgs_lat, wgs_lng=report.wgs_lng, description=report.description,
                created_at=now, updated_at=now, flagged=report.flagged)
    db.session.add(case)
    db.session.flush()
    case.ref = case_ref(case)
    attach_report(case=case, report=report, now=now, first=True)
    return case


def attach_report(*, case, report, now, first=False):
    report.case = case
    case.report_count = (case.report_count or 0) + 1
    case.flagged = case.flagged or report.flagged
    case.updated_at = now
    action = "created" if first else "report_attached"
    record_event(case=case, action=action, now=now, note=f"上报 {report.ref}", public=first,
                 to_status=case.status if first else None)
    return case


def record_event(*, case, action, now, actor=None, from_status=None, to_status=None, note=None, public=False):
    event = CaseEvent(case=case, at=now, action=action, from_status=from_status, to_status=to_status,
                      note=note, public=public, actor_id=actor.id if actor else None,
                      actor_label=actor_label(actor))
    db.session.add(event)
    return event


def actor_label(actor):
    if actor is None:
        return SYSTEM
    return actor.username or f"user-{actor.id}"
