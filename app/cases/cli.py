from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.cases import policy
from app.cases.models import EnteredYear, WorkdayOverride
from app.cases.recount import recompute_provisional_deadlines
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
    """Override the holiday calendar for DAY: off (holiday), on (调休 working day), auto (drop it).

    Open cases with provisional deadlines are recounted after each edit."""
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
    recompute_and_report()


@cases_cli.command("year")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.argument("state", type=click.Choice(["complete", "incomplete"]))
@click.option("--note", default=None, help="e.g. the notice's number: 国办发明电〔2026〕X号")
def year_command(year, state, note):
    """Mark YEAR's holiday notice as fully entered (complete) or not (incomplete).

    Enter the notice's days with `workday` first: a complete year is no longer provisional."""
    row = db.session.get(EnteredYear, year)
    if state == "incomplete" and row is not None:
        db.session.delete(row)
    if state == "complete":
        row = row or EnteredYear(year=year, entered_at=utcnow())
        row.note = note
        db.session.add(row)
    db.session.commit()
    click.echo(f"{year}: holiday notice " + ("entered" if state == "complete" else "not entered"))
    recompute_and_report()


@cases_cli.command("recompute-deadlines")
def recompute_deadlines_command():
    """Recount open cases' provisional deadlines (e.g. after upgrading chinese-calendar)."""
    recompute_and_report()


def recompute_and_report():
    result = recompute_provisional_deadlines(now=utcnow())
    db.session.commit()
    click.echo(f"recomputed provisional deadlines of {len(result['recomputed'])} case(s)")
    if result["skipped"]:
        click.echo(f"{len(result['skipped'])} case(s) changed meanwhile; run "
                   "`flask cases recompute-deadlines` again")


@cases_cli.command("calendar")
@click.option("--year", type=int, default=None, help="Check this year (default: this year and next).")
def calendar_command(year):
    """List the overrides and entered years, and warn about years the calendar does not know."""
    for row in db.session.scalars(select(WorkdayOverride).order_by(WorkdayOverride.day)):
        click.echo(f"{row.day}  {'working day' if row.is_workday else 'day off'}  {row.note or ''}")
    for row in db.session.scalars(select(EnteredYear).order_by(EnteredYear.year)):
        click.echo(f"{row.year}  notice entered  {row.note or ''}")
    calendar = policy.working_calendar()
    this_year = utcnow().year
    for checked in [year] if year else [this_year, this_year + 1]:
        calendar.is_workday(date(checked, 1, 1))
    for unknown in calendar.unknown_years():
        click.echo(f"warning: {unknown} is not in the holiday calendar: its deadlines are provisional, "
                   f"counted on the statutory holidays alone. Enter every day off and make-up day of "
                   f"the State Council's notice with `flask cases workday YYYY-MM-DD off|on`, then "
                   f"`flask cases year {unknown} complete`")
        guessed = ", ".join(f"{day:%m-%d}" for day in sorted(calendar.fallback(unknown)))
        click.echo(f"  {unknown} days off until then (the regulation's, 补假 included): {guessed}")
    readiness = policy.calendar_readiness(utcnow())
    if readiness["message"]:
        click.echo(f"alert: {readiness['message']}")
