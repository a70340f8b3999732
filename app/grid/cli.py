import json
import sys

import click
from flask.cli import AppGroup

from app.core.extensions import db
from app.grid import service
from app.grid.datum import DATUMS
from app.grid.demo import build_demo_features
from app.grid.importer import GridImportError

grid_cli = AppGroup("grid", help="Import the grid, or build the synthetic demo grid.")
SHOWN_PROBLEMS = 50


@grid_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--datum", type=click.Choice(DATUMS), required=True,
              help="The file's datum: gcj02 (AMap, Tencent, WeChat) or wgs84 (GPS).")
@click.option("--merge", is_flag=True, help="Add and update only: keep the units the file leaves out.")
@click.option("--dry-run", is_flag=True, help="Check the file and print what would change; write nothing.")
def import_command(path, datum, merge, dry_run):
    """Import a GeoJSON FeatureCollection (properties: code, name, level, parent_code).

    By default the file is the whole grid: units it leaves out are retired.
    """
    with open(path, "rb") as f:
        write_grid(f.read(), datum=datum, merge=merge, dry_run=dry_run)


@grid_cli.command("demo")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the GeoJSON here instead.")
def demo_command(out):
    """Build the deterministic demo grid inside Jinshan's real outline: 11 streets, 223 communities, 892 cells."""
    document = build_demo_features()
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(document, f, ensure_ascii=False)
        click.echo(f"wrote {len(document['features'])} features to {out}")
        return
    write_grid(document)


def write_grid(document, **options):
    try:
        changes = service.import_grid(document, **options)
    except GridImportError as exc:
        db.session.rollback()
        refuse(exc.problems)
    if options.get("dry_run"):
        db.session.rollback()
        click.echo(f"dry run, nothing written (试运行，未写入): would have {changes.summary()}")
        echo_lines(changes.listing())
        return
    db.session.commit()
    click.echo(f"imported the grid (网格已导入): {changes.summary()}")
    echo_lines(changes.listing(kinds=("retired",)))  # the units that stop resolving


def echo_lines(lines):
    for line in lines:
        click.echo(line)


def refuse(problems):
    click.echo("grid import refused, nothing written (网格导入被拒绝，未写入):", err=True)
    for problem in problems[:SHOWN_PROBLEMS]:
        click.echo(f"  - {problem}", err=True)
    if len(problems) > SHOWN_PROBLEMS:
        click.echo(f"  … and {len(problems) - SHOWN_PROBLEMS} more", err=True)
    sys.exit(1)
