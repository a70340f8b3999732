"""Validate a whole GeoJSON grid file, then write it; a bad file writes nothing.

Each feature carries properties `code`, `name`, `level` (street|community|cell) and
`parent_code`. Parents may come from the same file or from units already stored.
"""
import json
import re
from dataclasses import dataclass

import shapely
from shapely.validation import explain_validity

from app.grid.models import CODE_LENGTHS, DISTRICT_CODE, LEVELS, PARENT_LEVEL, GridUnit

# Floating-point noise along shared edges must not count as "outside the parent".
CONTAINMENT_TOLERANCE_DEG = 1e-9


class GridImportError(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ParsedUnit:
    index: int
    code: str
    name: str
    level: str
    parent_code: str
    geometry: object  # shapely geometry

    @property
    def label(self):
        return f"feature {self.index} ({self.code or 'no code'})"


def import_geojson(session, document):
    """Validate every feature, then upsert all; returns the list of codes written."""
    units = parse_features(document)
    known = {u.code: u.level for u in session.query(GridUnit.code, GridUnit.level)}
    problems = validate_units(units, known, stored_geometry(session, units))
    if problems:
        raise GridImportError(problems)
    for unit in sorted(units, key=lambda u: LEVELS.index(u.level)):
        upsert_unit(session, unit)
    return [u.code for u in units]


def parse_features(document):
    if isinstance(document, (str, bytes)):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise GridImportError([f"not valid JSON: {exc}"]) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GridImportError(["the file must be a GeoJSON FeatureCollection"])
    units, problems = [], []
    for index, feature in enumerate(document.get("features") or []):
        try:
            units.append(parse_feature(index, feature))
        except GridImportError as exc:
            problems.extend(exc.problems)
    if problems:
        raise GridImportError(problems)
    if not units:
        raise GridImportError(["the file has no features"])
    return units


def parse_feature(index, feature):
    props = (feature or {}).get("properties") or {}
    code = str(props.get("code") or "")
    try:
        geometry = shapely.from_geojson(json.dumps(feature.get("geometry")))
    except Exception as exc:  # shapely raises GEOSException subclasses
        raise GridImportError([f"feature {index} ({code}): unreadable geometry: {exc}"]) from exc
    return ParsedUnit(
        index=index,
        code=code,
        name=str(props.get("name") or "").strip(),
        level=str(props.get("level") or ""),
        parent_code=str(props.get("parent_code") or ""),
        geometry=geometry,
    )


def stored_geometry(session, units):
    """Geometries of stored parents the file refers to but does not carry."""
    in_file = {u.code for u in units}
    wanted = {u.parent_code for u in units} - in_file
    rows = session.query(GridUnit.code, GridUnit.geometry).filter(GridUnit.code.in_(wanted))
    return {code: shapely.from_geojson(geom) for code, geom in rows if geom}


def validate_units(units, known_levels, stored_geoms):
    problems = []
    seen = set()
    for unit in units:
        if unit.code in seen:
            problems.append(f"{unit.label}: duplicate code {unit.code}")
        seen.add(unit.code)
    file_levels = {u.code: u.level for u in units}
    levels = {**known_levels, **file_levels}
    geometries = {**stored_geoms, **{u.code: u.geometry for u in units}}
    for unit in units:
        problems.extend(unit_problems(unit, levels, geometries))
    return problems


def unit_problems(unit, levels, geometries):
    problems = []
    if unit.level not in LEVELS:
        return [f"{unit.label}: level must be one of {', '.join(LEVELS)}, not {unit.level!r}"]
    if not re.fullmatch(rf"\d{{{CODE_LENGTHS[unit.level]}}}", unit.code):
        problems.append(f"{unit.label}: a {unit.level} code has {CODE_LENGTHS[unit.level]} digits")
    if not unit.name:
        problems.append(f"{unit.label}: name is empty")
    problems.extend(parent_problems(unit, levels))
    problems.extend(geometry_problems(unit))
    if not problems and unit.level != "street":
        problems.extend(containment_problems(unit, geometries.get(unit.parent_code)))
    return problems


def parent_problems(unit, levels):
    expected = PARENT_LEVEL[unit.level]
    if expected is None:
        if unit.parent_code not in ("", DISTRICT_CODE):
            return [f"{unit.label}: a street's parent is the district {DISTRICT_CODE}"]
        return []
    if unit.parent_code not in levels:
        return [f"{unit.label}: unknown parent {unit.parent_code or '(none)'}"]
    if levels[unit.parent_code] != expected:
        return [f"{unit.label}: wrong level order: a {unit.level}'s parent must be a {expected}"]
    if not unit.code.startswith(unit.parent_code):
        return [f"{unit.label}: code must start with its parent's code {unit.parent_code}"]
    return []


def geometry_problems(unit):
    geom = unit.geometry
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        return [f"{unit.label}: geometry must be a Polygon or MultiPolygon"]
    if not geom.is_valid:
        return [f"{unit.label}: invalid polygon: {explain_validity(geom)}"]
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return [f"{unit.label}: coordinates are not WGS-84 longitude/latitude"]
    return []


def containment_problems(unit, parent_geometry):
    if parent_geometry is None:
        return []  # a parent stored without geometry cannot be checked
    if not parent_geometry.buffer(CONTAINMENT_TOLERANCE_DEG).covers(unit.geometry):
        return [f"{unit.label}: not inside its parent {unit.parent_code}"]
    return []


def upsert_unit(session, unit):
    row = session.get(GridUnit, unit.code) or GridUnit(code=unit.code)
    row.level = unit.level
    row.name = unit.name
    row.parent_code = unit.parent_code if unit.level != "street" else None
    row.geometry = shapely.to_geojson(unit.geometry)
    session.add(row)
