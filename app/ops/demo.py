"""`flask demo`: everything a newcomer needs to try the service, safe to run again."""
import click
from flask import current_app

from app.accounts.service import create_staff
from app.catalog.service import seed_reference_data
from app.core.extensions import db
from app.grid import service as grid_service
from app.grid.demo import build_demo_features

DEMO_STAFF = (
    # username, role, street, department
    ("zhujing", "staff", "310116101", None),
    ("fengjing", "staff", "310116102", None),
    ("lvhua", "dept", None, "LHSR"),
    ("district", "admin", None, None),
)


@click.command("demo")
def demo_command():
    """Seed reference data, build the demo grid of Jinshan, and create demo staff logins."""
    seed_reference_data()
    if grid_service.cell_count() == 0:
        grid_service.import_grid(build_demo_features())
    password = current_app.config["DEMO_STAFF_PASSWORD"]
    for username, role, street, department in DEMO_STAFF:
        create_staff(username=username, password=password, role=role,
                     street_code=street, department_code=department)
    db.session.commit()
    click.echo(f"demo grid ready: {grid_service.cell_count()} cells in 11 streets")
    click.echo(f"demo staff logins (password {password}): "
               + ", ".join(f"{u} ({r})" for u, r, _, _ in DEMO_STAFF))
