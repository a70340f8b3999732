import sys

import click
from flask.cli import AppGroup

from app.accounts.service import create_staff, set_disabled
from app.core.clock import utcnow
from app.core.extensions import db

users_cli = AppGroup("users", help="Manage staff accounts.")


@users_cli.command("create-staff")
@click.argument("username")
@click.option("--street", "street_code", help="Street code (9 digits); required for street staff.")
@click.option("--role", type=click.Choice(["staff", "dept", "admin"]), required=True)
@click.option("--department", "department_code", help="Department code; required for dept.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_staff_command(username, street_code, role, department_code, password):
    """Create or update a staff account (street staff, department handler, district admin).
    Updating an account sets its password and signs it out everywhere."""
    try:
        user = create_staff(username=username, password=password, role=role,
                            street_code=street_code, department_code=department_code, now=utcnow())
    except ValueError as exc:
        refuse(exc)
    db.session.commit()
    click.echo(f"staff account {user.username} ({role}) ready")


@users_cli.command("disable")
@click.argument("username")
def disable_command(username):
    """Disable an account and end its web sessions and API tokens."""
    change_disabled(username, True)
    click.echo(f"account {username} disabled and signed out everywhere")


@users_cli.command("enable")
@click.argument("username")
def enable_command(username):
    """Allow a disabled account to sign in again."""
    change_disabled(username, False)
    click.echo(f"account {username} enabled")


def change_disabled(username, disabled):
    try:
        set_disabled(username=username, disabled=disabled, now=utcnow())
    except ValueError as exc:
        refuse(exc)
    db.session.commit()


def refuse(exc):
    click.echo(f"refused: {exc}", err=True)
    sys.exit(1)
