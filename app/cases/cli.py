from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.cases import policy
from app.cases.models import WorkdayOverride
from app.cases.supervision import flag_overdue_and_remind
from app.core.clock import utcnow
from app.core.extensions import db

cases_cli = AppGroup("cases", help="Case workflow maintenance.")


@cases_cli.command("sweep")
def sweep_command():
    """Supervise overdue cases and write due-date reminders (safe to run any time)."""
    result = flag_overdue_and_remind(now=utcnow())
    db.session.commit()
    click.echo(f"supervised {len(result['supervised'])} case(s), reminded {len(result['reminded'])} case(s)")


@cases_cli.command("workday")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["off", "on", "auto"]))
@click.option("--note", default=None)
def workday_command(day, kind, note):
    """Override the holiday calendar for DAY: off (holiday), on (调休 working day), auto (drop it)."""
    row = db.session.get(WorkdayOverride, day.date())
    if kind == "auto":
        if row is not None:
            db.session.delete(row)
    else:
        row = row or WorkdayOverride(day=day.date())
        row.is_workday, row.note = kind == "on", note
        db.session.add(row)
    db.session.commit()
    click.echo(f"{day:%Y-%m-%d}: " + {"off": "day off", "on": "working day", "auto": "calendar decides"}[kind])


@cases_cli.command("calendar")
@click.option("--year", type=int, default=None, help="Check this year (default: this year and next).")
def calendar_command(year):
    """List the overrides, and warn about years the holiday calendar does not know."""
    for row in db.session.scalars(select(WorkdayOverride).order_by(WorkdayOverride.day)):
        click.echo(f"{row.day}  {'working day' if row.is_workday else 'day off'}  {row.note or ''}")
    calendar = policy.working_calendar()
    this_year = utcnow().year
    for checked in [year] if year else [this_year, this_year + 1]:
        calendar.is_workday(date(checked, 1, 1))
    for unknown in calendar.unknown_years():
        click.echo(f"warning: {unknown} is not in the holiday calendar; add its holidays with "
                   f"`flask cases workday YYYY-MM-DD off` (and make-up days with `on`)")
