from collections import Counter

import pytest
import shapely
from shapely.geometry import shape

from app.core.extensions import db
from app.grid import service
from app.grid.demo import build_demo_features
from app.grid.models import GridUnit

AREA_TOLERANCE = 1e-9  # square degrees: floating-point noise along shared edges


@pytest.fixture(scope="module")
def demo():
    return build_demo_features()


def geometries(demo, level):
    return {f["properties"]["code"]: shape(f["geometry"]) for f in demo["features"]
            if f["properties"]["level"] == level}


def test_the_demo_has_jinshans_11_streets_226_communities_and_926_cells(demo):
    counts = Counter(f["properties"]["level"] for f in demo["features"])
    assert counts == {"street": 11, "community": 226, "cell": 926}
    assert sorted(geometries(demo, "street")) == [
        "310116001", "310116101", "310116102", "310116103", "310116104", "310116105",
        "310116107", "310116109", "310116112", "310116113", "310116503"]


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


def test_the_demo_covers_a_jinshan_sized_area(demo):
    union = shapely.union_all(list(geometries(demo, "street").values()))
    km2 = union.area * 111.32 * 111.32 * 0.859  # cos(30.8 deg)
    assert 500 < km2 < 1000


def test_the_demo_is_the_same_every_time(demo):
    assert build_demo_features() == demo


def test_flask_grid_demo_imports_it_and_each_town_centre_lies_in_its_street(app):
    result = app.test_cli_runner().invoke(args=["grid", "demo"])
    assert result.exit_code == 0, result.output
    assert db.session.query(GridUnit).filter_by(level="cell").count() == 926
    zhujing = service.locate(lat=30.895, lng=121.165, coord="wgs84")
    assert zhujing.street_code == "310116101"
    assert zhujing.code.startswith("310116101")
