import click

from app.catalog.service import seed_reference_data
from app.core.extensions import db


@click.command("seed")
def seed_command():
    """Load departments, categories and the 11 streets (safe to run again)."""
    counts = seed_reference_data()
    db.session.commit()
    click.echo(", ".join(f"{n} {name}" for name, n in counts.items()))
