"""Where the case clock gets its numbers: the override table, category rows and config.

Every number has a default here so a bare config works; deployments override them in
the app config (`CASE_*` keys). Built per call: the override table is editable, and a
calendar is cheap to construct.
"""
from datetime import time

from flask import current_app
from sqlalchemy import select

from app.cases.deadlines import DeadlineProfile, WorkingCalendar
from app.cases.holidays import alert_years, calendar_alert
from app.cases.models import EnteredYear, WorkdayOverride
from app.extensions import db

DEFAULTS = {
    "CASE_SIGN_DAYS": 1,             # "1": sign and first contact
    "CASE_FIRST_HANDLING_DAYS": 5,   # "5": first handling
    "CASE_MAX_EXTENSION_DAYS": 3,    # completion 12 may be extended to 15
    "CASE_WORK_START": "09:00",
    "CASE_WORK_END": "17:00",
    "CASE_REMINDER_DAYS": (3, 2, 1),  # working days before the due time
    "CASE_DUE_SOON_DAYS": 1,         # "due soon" counter: due within this many working days
    # 督办 levels by working days overdue; a case only ever moves up this ladder.
    "CASE_SUPERVISION_LEVELS": ((0, "phone"), (3, "written"), (5, "on_site"), (10, "meeting")),
}


def setting(name):
    return current_app.config.get(name, DEFAULTS[name])


def working_calendar():
    overrides = {row.day: row.is_workday for row in db.session.scalars(select(WorkdayOverride))}
    return WorkingCalendar(overrides=overrides, tz=current_app.config.get("TIMEZONE", "Asia/Shanghai"),
                           work_start=time.fromisoformat(setting("CASE_WORK_START")),
                           work_end=time.fromisoformat(setting("CASE_WORK_END")),
                           entered_years=entered_years())


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
