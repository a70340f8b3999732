"""What a step owes its reporters, written inside the step's own transaction.

These run as `within` handlers (app/jobs/followups.py): process_report's routing
commit and a public case transition call them before committing, so the step and
its notification rows are committed together or not at all. Nothing is sent here;
the jobs after the commit send what these rows say (jobs.py).
"""
from app.core.clock import utcnow
from app.core.extensions import db
from app.notifications import messages
from app.notifications.service import queue_notification

# Public steps the reporter hears about; a one-time subscription allows one message
# per consent, so the in-between steps (签收, 延期, 处置反馈) are not spent on.
NOTIFIED_STATUSES = ("accepted", "dispatched", "closed", "rejected")


def report_received_key(report_id):
    return f"report_received:{report_id}"


def case_step_key(event_id, user_id):
    return f"case_event:{event_id}:user:{user_id}"


def write_report_received(report):
    """The reporter's "reached the street centre's inbox" message, for a report just routed."""
    return queue_notification(user=report.user, template=messages.REPORT_STATUS,
                              payload=messages.report_received(report),
                              dedupe_key=report_received_key(report.id), now=utcnow())


def write_case_step(event):
    """One message per reporter of the case for a public step they hear about."""
    if not event.public or event.to_status not in NOTIFIED_STATUSES:
        return []
    db.session.flush()  # the event's id names the rows
    now = utcnow()
    written = [queue_notification(user=report.user, template=messages.REPORT_STATUS,
                                  payload=messages.case_event(report, event),
                                  dedupe_key=case_step_key(event.id, report.user_id), now=now)
               for report in first_report_per_reporter(event.case)]
    return [n for n in written if n is not None]


def case_step_keys(event):
    return [case_step_key(event.id, report.user_id) for report in first_report_per_reporter(event.case)]


def first_report_per_reporter(case):
    """One report per person: someone who reported the same problem twice hears once."""
    reports = {}
    for report in case.reports:
        reports.setdefault(report.user_id, report)
    return list(reports.values())
