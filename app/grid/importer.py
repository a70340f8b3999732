"""Validate a whole GeoJSON grid file, then write it; a bad file writes nothing.

Each feature carries properties `code`, `name`, `level` (street|community|cell) and
`parent_code`. Every vertex is first converted to WGS-84 (a GCJ-02 file's long edges
are densified first, see datum.py), then the geometry is checked in metres, within a
tolerance:
- each unit lies inside its parent, a street inside Jinshan's outline; what sticks out
  by less than the tolerance is clipped off, more is refused with the largest excess;
- siblings overlap by nothing wider than the tolerance; more is refused with the area.

A full import replaces the grid: imported units the file leaves out are retired. A
merge only adds and updates, and its units may hang under units already stored.
"""
import json
import re
import textwrap
from dataclasses import dataclass, field

import shapely
from shapely import STRtree
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import explain_validity

from app.core.clock import utcnow
from app.grid.datum import geometry_to_wgs84
from app.grid.metric import MetricFrame
from app.grid.models import CODE_LENGTHS, DISTRICT_CODE, LEVELS, PARENT_LEVEL, GridUnit
from app.grid.reference import district_outline


class GridImportError(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ParsedUnit:
    index: int | None  # None: a stored unit the file leaves alone
    code: str
    name: str
    level: str
    parent_code: str
    geometry: object  # shapely geometry, WGS-84 once parsed

    @property
    def label(self):
        if self.index is None:
            return f"stored unit {self.code} (not in the file)"
        return f"feature {self.index} ({self.code or 'no code'})"


@dataclass
class GridChanges:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    retired: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    def summary(self):
        return (f"added {len(self.added)}, updated {len(self.updated)}, "
                f"retired {len(self.retired)}, unchanged {len(self.unchanged)}")

    def listing(self, kinds=("added", "updated", "retired")):
        """One wrapped paragraph of codes per kind of change."""
        return [textwrap.fill(" ".join(getattr(self, kind)), 100, initial_indent=f"  {kind}: ",
                              subsequent_indent="    ") for kind in kinds if getattr(self, kind)]


@dataclass
class ImportPlan:
    changes: GridChanges
    writes: list  # ParsedUnits to upsert, parents first


def import_geojson(session, document, *, datum="wgs84", merge=False, tolerance_m=0.5, dry_run=False):
    """Check the file against the grid as it would become, then (unless dry_run) write it."""
    plan = plan_import(session, document, datum=datum, merge=merge, tolerance_m=tolerance_m)
    if not dry_run:
        apply_plan(session, plan)
    return plan.changes


def plan_import(session, document, *, datum, merge, tolerance_m):
    units = parse_features(document, datum)
    stored = {row.code: row for row in session.query(GridUnit)}
    problems = validate_units(units, stored, merge)
    if problems:
        raise GridImportError(problems)
    grid = resulting_grid(units, stored, merge)
    touched = touched_codes(grid, {u.code for u in units})
    check = GeometryCheck(grid, tolerance_m)
    problems = check.problems(touched)
    if problems:
        raise GridImportError(problems)
    return plan_writes(grid, touched, stored, merge)


# --- parsing ------------------------------------------------------------------------

def parse_features(document, datum):
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
            units.append(parse_feature(index, feature, datum))
        except GridImportError as exc:
            problems.extend(exc.problems)
    if problems:
        raise GridImportError(problems)
    if not units:
        raise GridImportError(["the file has no features"])
    return units


def parse_feature(index, feature, datum):
    props = (feature or {}).get("properties") or {}
    code = str(props.get("code") or "")
    try:
        geometry = shapely.from_geojson(json.dumps(feature.get("geometry")))
    except Exception as exc:  # shapely raises GEOSException subclasses
        raise GridImportError([f"feature {index} ({code}): unreadable geometry: {exc}"]) from exc
    if polygonal_in_range(geometry):
        geometry = geometry_to_wgs84(geometry, datum)  # before any check, so all run on WGS-84
    return ParsedUnit(
        index=index,
        code=code,
        name=str(props.get("name") or "").strip(),
        level=str(props.get("level") or ""),
        parent_code=str(props.get("parent_code") or ""),
        geometry=geometry,
    )


def polygonal_in_range(geometry):
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        return False
    minx, miny, maxx, maxy = geometry.bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


# --- codes, names and the tree ------------------------------------------------------

def validate_units(units, stored, merge):
    problems = []
    seen = set()
    for unit in units:
        if unit.code in seen:
            problems.append(f"{unit.label}: duplicate code {unit.code}")
        seen.add(unit.code)
    levels = {**parent_candidates(stored, merge), **{u.code: u.level for u in units}}
    retiring = set() if merge else {c for c, row in stored.items() if row.active and row.geometry}
    for unit in units:
        problems.extend(unit_problems(unit, levels, retiring))
    return problems


def parent_candidates(stored, merge):
    """{code: level} of stored units the file's units may hang under.

    Merging, any active unit. A full import retires what the file leaves out, so only
    the units it cannot retire: streets seeded as reference data, without geometry.
    """
    return {code: row.level for code, row in stored.items()
            if row.active and (merge or row.geometry is None)}


def unit_problems(unit, levels, retiring):
    problems = []
    if unit.level not in LEVELS:
        return [f"{unit.label}: level must be one of {', '.join(LEVELS)}, not {unit.level!r}"]
    if not re.fullmatch(rf"\d{{{CODE_LENGTHS[unit.level]}}}", unit.code):
        problems.append(f"{unit.label}: a {unit.level} code has {CODE_LENGTHS[unit.level]} digits")
    if not unit.name:
        problems.append(f"{unit.label}: name is empty")
    problems.extend(parent_problems(unit, levels, retiring))
    problems.extend(geometry_problems(unit))
    return problems


def parent_problems(unit, levels, retiring):
    expected = PARENT_LEVEL[unit.level]
    if expected is None:
        if unit.parent_code not in ("", DISTRICT_CODE):
            return [f"{unit.label}: a street's parent is the district {DISTRICT_CODE}"]
        return []
    if unit.parent_code in retiring and unit.parent_code not in levels:
        return [f"{unit.label}: parent {unit.parent_code} is not in the file, and a full import "
                "retires what the file leaves out (use --merge to update part of the grid)"]
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
    if not polygonal_in_range(geom):
        return [f"{unit.label}: coordinates are not WGS-84 longitude/latitude"]
    if not geom.is_valid:
        return [f"{unit.label}: invalid polygon: {explain_validity(geom)}"]
    return []


# --- the grid as it would become ----------------------------------------------------

def resulting_grid(units, stored, merge):
    """{code: ParsedUnit}: the file's units and the stored units that stay beside them."""
    in_file = {u.code for u in units}
    staying = [row for code, row in stored.items()
               if row.active and code not in in_file and (merge or row.geometry is None)]
    grid = {row.code: stored_unit(row) for row in staying}
    grid.update({u.code: u for u in units})
    return grid


def stored_unit(row):
    geometry = shapely.from_geojson(row.geometry) if row.geometry else None
    return ParsedUnit(None, row.code, row.name, row.level, row.parent_code or DISTRICT_CODE, geometry)


def touched_codes(grid, file_codes):
    """The file's units and, below them, every stored unit whose parent may change shape."""
    touched = set(file_codes)
    for level in LEVELS[1:]:
        touched |= {u.code for u in grid.values() if u.level == level and u.parent_code in touched}
    return touched


# --- geometry, in metres ------------------------------------------------------------

class GeometryCheck:
    """Containment and overlap checks over the resulting grid, top level first.

    Clipping a unit to its parent changes it in place, before its own children and
    siblings are looked at.
    """

    def __init__(self, grid, tolerance_m):
        self.grid = grid
        self.tolerance_m = tolerance_m
        self.outline = district_outline()
        shapely.prepare(self.outline)
        self.frame = MetricFrame.around(self.outline)
        self._metric = {}
        self._widened = {}

    def problems(self, touched):
        problems = []
        for level in LEVELS:
            units = sorted((u for u in self.grid.values() if u.level == level and u.geometry is not None),
                           key=lambda u: u.code)
            for unit in (u for u in units if u.code in touched):
                problems.extend(self.containment_problems(unit))
            problems.extend(self.overlap_problems(units, touched))
        return problems

    def metric(self, code, geometry):
        if code not in self._metric:
            self._metric[code] = self.frame.to_metres(geometry)
        return self._metric[code]

    def parent_of(self, unit):
        """(code, WGS-84 geometry, what to call it) of the unit's parent."""
        if unit.level == "street":
            return DISTRICT_CODE, self.outline, f"Jinshan's district outline ({DISTRICT_CODE})"
        parent = self.grid[unit.parent_code]
        if parent.geometry is not None:
            shapely.prepare(parent.geometry)  # its children all test against it
        return parent.code, parent.geometry, f"its parent {parent.code}"

    def widened(self, code, geometry):
        """The parent in metres, grown by the tolerance (prepared: many children test it)."""
        if code not in self._widened:
            self._widened[code] = self.metric(code, geometry).buffer(self.tolerance_m)
            shapely.prepare(self._widened[code])
        return self._widened[code]

    def containment_problems(self, unit):
        parent_code, parent, name = self.parent_of(unit)
        if parent is None or parent.covers(unit.geometry):
            return []  # a parent stored without geometry cannot be checked
        child_m, parent_m = self.metric(unit.code, unit.geometry), self.metric(parent_code, parent)
        if not child_m.intersects(parent_m):
            return [f"{unit.label}: not inside {name}: lies entirely outside it, "
                    f"{child_m.distance(parent_m):,.1f} m away"]
        if not self.widened(parent_code, parent).covers(child_m):
            return [f"{unit.label}: not inside {name}: reaches "
                    f"{self.excess_m(child_m, parent_code, parent):,.2f} m outside it "
                    f"({child_m.difference(parent_m).area:,.1f} m² outside; "
                    f"tolerance {self.tolerance_m:g} m)"]
        return self.clip(unit, parent, name)

    def excess_m(self, child_m, parent_code, parent):
        """How far the child reaches outside its parent at most, in metres."""
        parent_m = self.metric(parent_code, parent)
        beyond = child_m.difference(self.widened(parent_code, parent))
        # Sample the edges too: the farthest point need not be a vertex.
        dense = shapely.segmentize(beyond, max(self.tolerance_m / 5, beyond.length / 500))
        points = shapely.points(shapely.get_coordinates(dense))
        return float(shapely.distance(points, parent_m).max())

    def clip(self, unit, parent, name):
        clipped = polygonal(unit.geometry.intersection(parent))
        if clipped.is_empty:
            return [f"{unit.label}: not inside {name}: only touches it"]
        unit.geometry = clipped
        self._metric.pop(unit.code, None)
        return []

    def overlap_problems(self, units, touched):
        families = {}
        for unit in units:
            families.setdefault(unit.parent_code or DISTRICT_CODE, []).append(unit)
        problems = []
        for siblings in families.values():
            if any(u.code in touched for u in siblings):
                problems.extend(self.sibling_overlaps(siblings, touched))
        return problems

    def sibling_overlaps(self, siblings, touched):
        shapes = [self.metric(u.code, u.geometry) for u in siblings]
        left, right = STRtree(shapes).query(shapes, predicate="intersects")
        problems = []
        for i, j in zip(left, right):
            if i < j and (siblings[i].code in touched or siblings[j].code in touched):
                problems.extend(self.overlap_problem(siblings[i], siblings[j], shapes[i], shapes[j]))
        return problems

    def overlap_problem(self, first, second, first_m, second_m):
        overlap = polygonal(first_m.intersection(second_m))
        # Slivers along a shared edge narrower than the tolerance are noise, not overlap.
        if overlap.is_empty or overlap.buffer(-self.tolerance_m / 2).is_empty:
            return []
        reported, other = (second, first) if second.index is not None else (first, second)
        return [f"{reported.label}: overlaps its sibling {other.code} by {overlap.area:,.1f} m² "
                f"(wider than the {self.tolerance_m:g} m tolerance)"]


def polygonal(geometry):
    """The polygons of an overlay result, without the lines and points it may carry."""
    polygons = [p for part in shapely.get_parts(geometry) for p in shapely.get_parts(part)
                if p.geom_type == "Polygon" and not p.is_empty]
    if not polygons:
        return Polygon()
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


# --- what changes, and writing it ---------------------------------------------------

def plan_writes(grid, touched, stored, merge):
    changes, writes = GridChanges(), []
    for unit in sorted((grid[c] for c in touched), key=lambda u: (LEVELS.index(u.level), u.code)):
        row = stored.get(unit.code)
        kind = "added" if row is None or not row.active else "updated" if differs(row, unit) else "unchanged"
        getattr(changes, kind).append(unit.code)
        if kind != "unchanged":
            writes.append(unit)
    if not merge:
        changes.retired = sorted(code for code, row in stored.items()
                                 if row.active and row.geometry and code not in grid)
    return ImportPlan(changes=changes, writes=writes)


def differs(row, unit):
    geometry = shapely.to_geojson(unit.geometry) if unit.geometry is not None else None
    return (row.name, row.level, row.parent_code, row.geometry) != (
        unit.name, unit.level, stored_parent(unit), geometry)


def stored_parent(unit):
    return unit.parent_code if unit.level != "street" else None


def apply_plan(session, plan):
    for unit in plan.writes:
        upsert_unit(session, unit)
    now = utcnow()
    for code in plan.changes.retired:
        session.get(GridUnit, code).retired_at = now


def upsert_unit(session, unit):
    row = session.get(GridUnit, unit.code) or GridUnit(code=unit.code)
    row.level = unit.level
    row.name = unit.name
    row.parent_code = stored_parent(unit)
    row.geometry = shapely.to_geojson(unit.geometry)
    row.retired_at = None
    session.add(row)
