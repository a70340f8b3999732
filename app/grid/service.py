"""Grid queries: point -> cell, units with children, imports that bump the grid version."""
import shapely
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.core.errors import ApiError
from app.core.extensions import db
from app.grid.datum import to_wgs84
from app.grid.importer import import_geojson
from app.grid.index import CellIndex, CellRecord, IndexCache
from app.grid.models import GridUnit, GridVersion

_index_cache = IndexCache()


def locate(*, lat, lng, coord):
    """The cell record covering a point given in `coord` datum; ApiError 404 outside."""
    record = locate_or_none(lat=lat, lng=lng, coord=coord)
    if record is None:
        raise ApiError.not_found("该位置不在金山区网格范围内 (outside coverage)", "outside_coverage")
    return record


def locate_or_none(*, lat, lng, coord):
    wgs_lat, wgs_lng = to_wgs84(lat, lng, coord)
    return cell_index().locate(wgs_lat, wgs_lng)


def cell_index():
    return _index_cache.get(current_version, build_cell_index)


def current_version():
    row = db.session.get(GridVersion, 1)
    return row.version if row else 0


def bump_version():
    row = db.session.get(GridVersion, 1) or GridVersion(id=1, version=0)
    row.version += 1
    db.session.add(row)


def build_cell_index():
    community = aliased(GridUnit)
    street = aliased(GridUnit)
    rows = db.session.execute(
        select(GridUnit.code, GridUnit.name, GridUnit.geometry,
               community.code, community.name, street.code, street.name)
        .join(community, GridUnit.parent_code == community.code)
        .join(street, community.parent_code == street.code)
        .where(GridUnit.level == "cell", GridUnit.geometry.is_not(None), GridUnit.retired_at.is_(None))
    ).all()
    records = [CellRecord(r[0], r[1], r[3], r[4], r[5], r[6]) for r in rows]
    polygons = shapely.from_geojson([r[2] for r in rows]) if rows else []
    return CellIndex(records, list(polygons))


def import_grid(document, *, datum="wgs84", merge=False, dry_run=False):
    """Check and (unless dry_run) write a GeoJSON grid; returns its GridChanges. The caller commits.

    A full import retires the imported units the file leaves out; merge keeps them.
    """
    changes = import_geojson(db.session, document, datum=datum, merge=merge, dry_run=dry_run,
                             tolerance_m=current_app.config["GRID_TOLERANCE_M"])
    if not dry_run:
        bump_version()
        _index_cache.clear()  # this process sees its own import at once
    return changes


LEVEL_NAMES = {None: ("网格单元", "grid unit"), "street": ("街镇", "street"),
               "community": ("村居", "community"), "cell": ("子网格", "cell")}


def get_unit(code, level=None, *, status=404, field=None, retired=False):
    """The unit `code`, of `level` when given, or an ApiError: `unknown_<level>` (404 for a
    path or query, 422 with `field` for a body that names a unit). A retired unit counts as
    unknown unless `retired` (showing history: old reports still name it)."""
    unit = db.session.get(GridUnit, code) if code else None
    if unit is None or (level is not None and unit.level != level) or not (retired or unit.active):
        raise unknown_unit(code, level, status, field)
    return unit


def unknown_unit(code, level, status, field):
    chinese, english = LEVEL_NAMES[level]
    error_code = f"unknown_{level}" if level else "unknown_grid_unit"
    fields = {field: [f"unknown {english}"]} if field else {}
    return ApiError(status, error_code, f"没有编码为 {code} 的{chinese} (unknown {english})", fields)


def active_units():
    """Retired units stay in the table for history, out of every listing."""
    return select(GridUnit).where(GridUnit.retired_at.is_(None))


def children_of(code):
    return db.session.scalars(
        active_units().where(GridUnit.parent_code == code).order_by(GridUnit.code)
    ).all()


def streets():
    return db.session.scalars(active_units().where(GridUnit.level == "street").order_by(GridUnit.code)).all()


def cell_count():
    return (db.session.query(GridUnit)
            .filter(GridUnit.level == "cell", GridUnit.retired_at.is_(None)).count())
