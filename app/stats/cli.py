from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.clock import local_day, utcnow
from app.core.extensions import db
from app.stats import rollup

stats_cli = AppGroup("stats", help="Assessment statistics maintenance.")


@stats_cli.command("rollup")
@click.option("--from", "first", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="first local day (default: STATS_ROLLUP_WINDOW_DAYS ago)")
@click.option("--to", "last", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="last day (default: today)")
def rollup_command(first, last):
    """Rebuild the daily statistics rollup for a range of days (safe to run any time)."""
    now = utcnow()
    last = last.date() if last else local_day(now) + timedelta(days=366)  # deadlines lie ahead
    first = first.date() if first else local_day(now) - timedelta(days=current_app.config["STATS_ROLLUP_WINDOW_DAYS"])
    rollup.build(first, last, now)
    db.session.commit()
    click.echo(f"statistics rolled up from {first.isoformat()} to {last.isoformat()}")
