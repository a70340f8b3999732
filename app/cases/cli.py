import click
from flask.cli import AppGroup

from app.cases.supervision import flag_overdue_and_remind
from app.extensions import db
from app.timestamps import utcnow

cases_cli = AppGroup("cases", help="Case workflow maintenance.")


@cases_cli.command("sweep")
def sweep_command():
    """Supervise overdue cases and write due-date reminders (safe to run any time)."""
    result = flag_overdue_and_remind(now=utcnow())
    db.session.commit()
    click.echo(f"supervised {len(result['supervised'])} case(s), reminded {len(result['reminded'])} case(s)")
