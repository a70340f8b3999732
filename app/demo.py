"""`flask demo`: everything a newcomer needs to try the service, safe to run again."""
import click

from app.catalog.service import seed_reference_data
from app.extensions import db
from app.grid import service as grid_service
from app.grid.demo import build_demo_features


@click.command("demo")
def demo_command():
    """Seed reference data and build the demo grid of Jinshan."""
    seed_reference_data()
    if grid_service.cell_count() == 0:
        grid_service.import_grid(build_demo_features())
    db.session.commit()
    click.echo(f"demo grid ready: {grid_service.cell_count()} cells in 11 streets")
