"""Where the case clock gets its numbers: the override table, category rows and config.

The numbers and their defaults live in config.py (`CASE_*`). Built per call: the
override table is editable, and a calendar is cheap to construct.
"""
from datetime import time

from flask import current_app
from sqlalchemy import select

from app.cases.deadlines import DeadlineProfile, WorkingCalendar
from app.cases.holidays import alert_years, calendar_alert
from app.cases.models import EnteredYear, WorkdayOverride
from app.core.extensions import db


def setting(name):
    return current_app.config[name]


def working_calendar():
    overrides = {row.day: row.is_workday for row in db.session.scalars(select(WorkdayOverride))}
    return WorkingCalendar(overrides=overrides, tz=setting("TIMEZONE"),
                           work_start=time.fromisoformat(setting("CASE_WORK_START")),
                           work_end=time.fromisoformat(setting("CASE_WORK_END")), lunch=lunch_break(),
                           entered_years=entered_years())


def lunch_break():
    start, end = setting("CASE_LUNCH_START"), setting("CASE_LUNCH_END")
    if not start or start.lower() == "none":
        return None
    return time.fromisoformat(start), time.fromisoformat(end)


def deadline_profile(category):
    return DeadlineProfile(
        sign_days=setting("CASE_SIGN_DAYS"),
        first_handling_days=setting("CASE_FIRST_HANDLING_DAYS"),
        completion_days=category.completion_days,
        max_completion_days=category.completion_days + setting("CASE_MAX_EXTENSION_DAYS"),
        urgent_hours=category.urgent_hours,
    )


# --- years the calendar knows -------------------------------------------------------------
# A year is known when chinese-calendar has its State Council schedule, or when an operator
# has entered its notice and marked it complete (`flask cases year YEAR complete`). Any other
# year is counted on the holiday regulation alone, and deadlines touching it are provisional.

def entered_years():
    return set(db.session.scalars(select(EnteredYear.year)))


def calendar_readiness(now):
    """{"status": "ok"|"warning", "message": None or the Chinese alert, "unknown_years": [...]}.

    For health checks (`/readyz`) and the staff header: "warning" while this year, or from
    1 November the next, is not known. Needs an app context; reads two small tables.
    """
    calendar = working_calendar()
    today = calendar.local(now).date()
    known = [year for year in alert_years(today) if calendar.is_known_year(year)]
    message = calendar_alert(today, known)
    return {"status": "warning" if message else "ok", "message": message,
            "unknown_years": [year for year in alert_years(today) if year not in known]}
