import csv
import json
import random
from collections import Counter

import pytest
import shapely
from shapely.geometry import shape

from app.core.extensions import db
from app.grid import datum, service
from app.grid.demo import build_demo_features
from app.grid.models import GridUnit
from app.grid.reference import DATA_DIR, communities, district_outline, outline_feature

AREA_TOLERANCE = 1e-9  # square degrees: floating-point noise along shared edges


@pytest.fixture(scope="module")
def demo():
    return build_demo_features()


def geometries(demo, level):
    return {f["properties"]["code"]: shape(f["geometry"]) for f in demo["features"]
            if f["properties"]["level"] == level}


def test_the_demo_has_jinshans_11_streets_its_223_real_communities_and_892_cells(demo):
    counts = Counter(f["properties"]["level"] for f in demo["features"])
    assert counts == {"street": 11, "community": 223, "cell": 892}
    assert sorted(geometries(demo, "street")) == [
        "310116001", "310116101", "310116102", "310116103", "310116104", "310116105",
        "310116107", "310116109", "310116112", "310116113", "310116503"]
    real = {c["code"]: (c["name"], c["street_code"]) for c in communities()}
    assert {f["properties"]["code"]: (f["properties"]["name"], f["properties"]["parent_code"])
            for f in demo["features"] if f["properties"]["level"] == "community"} == real


def test_codes_are_unique_and_in_the_real_formats(demo):
    codes = [f["properties"]["code"] for f in demo["features"]]
    assert len(codes) == len(set(codes))
    for f in demo["features"]:
        props = f["properties"]
        assert len(props["code"]) == {"street": 9, "community": 12, "cell": 15}[props["level"]]
        assert props["code"].isdigit()
        assert props["code"].startswith(props["parent_code"])


@pytest.mark.parametrize("child_level, parent_level", [("community", "street"), ("cell", "community")])
def test_each_level_tiles_its_parents_with_no_gaps_and_no_overlaps(demo, child_level, parent_level):
    children = geometries(demo, child_level)
    for code, parent in geometries(demo, parent_level).items():
        pieces = [g for c, g in children.items() if c.startswith(code)]
        union = shapely.union_all(pieces)
        assert abs(union.area - parent.area) < AREA_TOLERANCE  # no gaps
        assert abs(sum(p.area for p in pieces) - parent.area) < AREA_TOLERANCE  # no overlaps


def test_streets_do_not_overlap(demo):
    streets = list(geometries(demo, "street").values())
    union = shapely.union_all(streets)
    assert abs(sum(s.area for s in streets) - union.area) < AREA_TOLERANCE


def test_the_streets_tile_jinshans_real_outline(demo):
    union = shapely.union_all(list(geometries(demo, "street").values()))
    outline = district_outline()
    assert abs(union.area - outline.area) < AREA_TOLERANCE
    assert union.symmetric_difference(outline).area < AREA_TOLERANCE
    km2 = union.area * 111.32 * 111.32 * 0.859  # cos(30.8 deg)
    assert 500 < km2 < 1000


def test_the_demo_carries_the_outlines_attribution(demo):
    assert "Vonng/adcode" in demo["attribution"] and "CC BY 4.0" in demo["attribution"]


def test_the_demo_is_the_same_every_time(demo):
    assert build_demo_features() == demo


@pytest.fixture
def demo_grid(app):
    result = app.test_cli_runner().invoke(args=["grid", "demo"])
    assert result.exit_code == 0, result.output
    return result


def test_flask_grid_demo_imports_it(demo_grid):
    assert "added 1126" in demo_grid.output
    assert db.session.query(GridUnit).filter_by(level="cell").count() == 892


def real_seats():
    with open(DATA_DIR / "jinshan_street_seats_gcj02.csv", encoding="utf-8") as f:
        return [(row["code"], float(row["seat_lat_gcj02"]), float(row["seat_lng_gcj02"]))
                for row in csv.DictReader(f)]


def test_every_real_street_seat_resolves_to_its_own_street_in_the_demo_grid(demo_grid):
    seats = real_seats()
    assert len(seats) == 11
    for code, lat, lng in seats:  # GCJ-02, as WeChat would send them
        assert service.locate(lat=lat, lng=lng, coord="gcj02").street_code == code


def points_inside_the_real_outline(count, seed=18):
    """Deterministic GCJ-02 (lat, lng) points inside the outline as the data gives it."""
    outline = shapely.from_geojson(json.dumps(outline_feature()["geometry"]))
    shapely.prepare(outline)
    rng = random.Random(seed)
    minx, miny, maxx, maxy = outline.bounds
    points = []
    while len(points) < count:
        lng, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(outline, lng, lat):
            points.append((lat, lng))
    return points


def test_a_thousand_points_inside_the_real_outline_all_resolve_to_a_cell(demo_grid):
    points = points_inside_the_real_outline(1000)
    lats, lngs = datum.to_wgs84_many([p[0] for p in points], [p[1] for p in points], "gcj02")
    found = service.cell_index().locate_many(lats, lngs)
    assert [p for p, record in zip(points, found) if record is None] == []
