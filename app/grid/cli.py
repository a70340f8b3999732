import json
import sys

import click
from flask.cli import AppGroup

from app.core.extensions import db
from app.grid import service
from app.grid.demo import build_demo_features
from app.grid.importer import GridImportError

grid_cli = AppGroup("grid", help="Import the grid, or build the synthetic demo grid.")


@grid_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path):
    """Import a GeoJSON FeatureCollection (properties: code, name, level, parent_code)."""
    with open(path, "rb") as f:
        write_grid(f.read())


@grid_cli.command("demo")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the GeoJSON here instead.")
def demo_command(out):
    """Build the deterministic demo grid: 11 real streets, 226 communities, 926 cells."""
    document = build_demo_features()
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(document, f, ensure_ascii=False)
        click.echo(f"wrote {len(document['features'])} features to {out}")
        return
    write_grid(document)


def write_grid(document):
    try:
        codes = service.import_grid(document)
    except GridImportError as exc:
        db.session.rollback()
        click.echo("grid import refused, nothing written:", err=True)
        for problem in exc.problems[:50]:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"imported {len(codes)} grid units")
