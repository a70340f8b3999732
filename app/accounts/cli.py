import sys

import click
from flask.cli import AppGroup

from app.accounts.service import create_staff
from app.core.extensions import db

users_cli = AppGroup("users", help="Manage staff accounts.")


@users_cli.command("create-staff")
@click.argument("username")
@click.option("--street", "street_code", help="Street code (9 digits); required for street staff.")
@click.option("--role", type=click.Choice(["staff", "dept", "admin"]), required=True)
@click.option("--department", "department_code", help="Department code; required for dept.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_staff_command(username, street_code, role, department_code, password):
    """Create or update a staff account (street staff, department handler, district admin)."""
    try:
        user = create_staff(username=username, password=password, role=role,
                            street_code=street_code, department_code=department_code)
    except ValueError as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"staff account {user.username} ({role}) ready")
