"""Real grid files: GCJ-02 conversion, the metre tolerance, overlaps and the district outline."""
import copy
import re

import pytest
import shapely
from shapely.affinity import translate
from shapely.geometry import box, mapping, shape

import config
from app.core.extensions import db
from app.grid import datum, service
from app.grid.metric import MetricFrame, metres_per_degree
from app.grid.models import GridUnit
from app.grid.reference import district_outline
from tests.factories import STREET_A, STREET_B, world_geojson

COMMUNITY_A = STREET_A + "201"
CELL_NW, CELL_NE = COMMUNITY_A + "001", COMMUNITY_A + "002"


def features_by_code(document):
    return {f["properties"]["code"]: f for f in document["features"]}


def geometry_of(document, code):
    return shape(features_by_code(document)[code]["geometry"])


def set_geometry(document, code, geometry):
    features_by_code(document)[code]["geometry"] = mapping(geometry)


def stored_geometry(code):
    return shapely.from_geojson(db.session.get(GridUnit, code).geometry)


def metres(degrees_lng=0.0, degrees_lat=0.0, lat=30.9):
    lng_m, lat_m = metres_per_degree(lat)
    return degrees_lng * lng_m + degrees_lat * lat_m


def degrees_lng(metres_east, lat=30.9):
    return metres_east / metres_per_degree(lat)[0]


def number_before(text, unit):
    return float(re.search(rf"([\d,]+\.\d+) {unit}", text).group(1).replace(",", ""))


def in_gcj02(document):
    converted = copy.deepcopy(document)
    for feature in converted["features"]:
        feature["geometry"] = mapping(datum.geometry_to_gcj02(shape(feature["geometry"])))
    return converted


def widened_west(geometry, metres_west):
    minx, miny, maxx, maxy = geometry.bounds
    return box(minx - degrees_lng(metres_west), miny, maxx, maxy)


# --- GCJ-02 files --------------------------------------------------------------------

def test_a_gcj02_grid_imported_with_datum_gcj02_is_accepted_and_resolves_points_correctly(app, grid_import):
    document, cells = world_geojson()
    result = grid_import(in_gcj02(document), "--datum", "gcj02")
    assert result.exit_code == 0, result.output
    frame = MetricFrame.around(district_outline())
    for code, cell in cells.items():
        stored = frame.to_metres(stored_geometry(code))
        assert shapely.hausdorff_distance(stored, frame.to_metres(cell)) < 0.01  # back within 1 cm
        wechat_lat, wechat_lng = datum.to_gcj02(cell.centroid.y, cell.centroid.x)
        assert service.locate(lat=wechat_lat, lng=wechat_lng, coord="gcj02").code == code


def naive_wgs84(geometry):
    """Only the vertices converted, the edges left straight: the conversion that failed before."""
    return shapely.transform(geometry, lambda xy: [datum.to_wgs84(lat, lng, "gcj02")[::-1] for lng, lat in xy])


def test_a_gcj02_child_with_more_vertices_than_its_parent_along_the_same_edges_stays_inside_it(app, grid_import):
    # A 5 km street drawn with its four corners; its one community is the same square
    # drawn with a vertex every 500 m, as real files have along shared edges.
    street = box(121.20, 30.80, 121.252, 30.845)
    community = shapely.segmentize(street, 0.005)
    frame = MetricFrame.around(district_outline())
    naive_street = frame.to_metres(naive_wgs84(street))
    naive_vertices = shapely.points(shapely.get_coordinates(frame.to_metres(naive_wgs84(community))))
    assert shapely.distance(naive_vertices, naive_street).max() > 1.0  # converted point by point, refused
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(street),
         "properties": {"code": STREET_A, "name": "朱泾镇", "level": "street", "parent_code": "310116"}},
        {"type": "Feature", "geometry": mapping(community),
         "properties": {"code": COMMUNITY_A, "name": "朱泾镇测试村", "level": "community", "parent_code": STREET_A}},
    ]}
    result = grid_import(document, "--datum", "gcj02")
    assert result.exit_code == 0, result.output
    assert frame.to_metres(stored_geometry(STREET_A)).buffer(0.01).covers(frame.to_metres(stored_geometry(COMMUNITY_A)))


# --- the tolerance -------------------------------------------------------------------

def test_a_child_exceeding_its_parent_by_less_than_the_tolerance_is_accepted_and_clipped(app, grid_import):
    document, cells = world_geojson()
    set_geometry(document, CELL_NW, widened_west(cells[CELL_NW], 0.3))
    result = grid_import(document, "--datum", "wgs84")
    assert result.exit_code == 0, result.output
    clipped = stored_geometry(CELL_NW)
    assert stored_geometry(COMMUNITY_A).covers(clipped)
    assert clipped.area == pytest.approx(cells[CELL_NW].area, rel=1e-9)


def test_a_child_exceeding_its_parent_by_more_than_the_tolerance_is_refused_with_the_excess_in_metres(app, grid_import):
    document, cells = world_geojson()
    set_geometry(document, CELL_NW, widened_west(cells[CELL_NW], 2.0))
    result = grid_import(document, "--datum", "wgs84")
    assert result.exit_code != 0
    assert f"({CELL_NW}): not inside its parent {COMMUNITY_A}: reaches" in result.output
    assert number_before(result.output, "m outside it") == pytest.approx(2.0, abs=0.02)
    assert "tolerance 0.5 m" in result.output
    assert db.session.query(GridUnit).count() == 0


def test_the_tolerance_is_the_grid_tolerance_m_setting(app, grid_import, monkeypatch):
    monkeypatch.setenv("GRID_TOLERANCE_M", "3")
    assert config.TestConfig().GRID_TOLERANCE_M == 3.0
    monkeypatch.setitem(app.config, "GRID_TOLERANCE_M", 3.0)
    document, cells = world_geojson()
    set_geometry(document, CELL_NW, widened_west(cells[CELL_NW], 2.0))
    assert grid_import(document, "--datum", "wgs84").exit_code == 0


# --- overlaps and the outline --------------------------------------------------------

def test_overlapping_siblings_are_refused_with_the_overlap_area_in_square_metres(app, grid_import):
    document, cells = world_geojson()
    minx, miny, maxx, maxy = cells[CELL_NW].bounds
    set_geometry(document, CELL_NW, box(minx, miny, maxx + degrees_lng(100), maxy))  # 100 m into NE
    result = grid_import(document, "--datum", "wgs84")
    assert result.exit_code != 0
    assert f"({CELL_NE}): overlaps its sibling {CELL_NW} by" in result.output
    expected_m2 = 100 * metres(degrees_lat=maxy - miny)
    assert number_before(result.output, "m²") == pytest.approx(expected_m2, rel=0.01)


def test_siblings_overlapping_by_a_sliver_narrower_than_the_tolerance_are_accepted(app, grid_import):
    document, cells = world_geojson()
    minx, miny, maxx, maxy = cells[CELL_NW].bounds
    set_geometry(document, CELL_NW, box(minx, miny, maxx + degrees_lng(0.2), maxy))
    result = grid_import(document, "--datum", "wgs84")
    assert result.exit_code == 0, result.output


def test_a_street_entirely_outside_jinshan_is_refused(app, grid_import):
    document, _ = world_geojson()
    for feature in document["features"]:
        if feature["properties"]["code"].startswith(STREET_B):  # moved, with its units, to the Bund
            feature["geometry"] = mapping(translate(shape(feature["geometry"]), 0.30, 0.35))
    result = grid_import(document, "--datum", "wgs84")
    assert result.exit_code != 0
    assert (f"({STREET_B}): not inside Jinshan's district outline (310116): lies entirely outside it"
            in result.output)
    assert db.session.query(GridUnit).count() == 0


def test_a_street_reaching_100_m_past_the_district_outline_is_refused_with_the_excess(app, grid_import):
    around_jinshan = district_outline().buffer(0.001)  # 96 to 111 m, by direction
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(around_jinshan),
         "properties": {"code": STREET_A, "name": "朱泾镇", "level": "street", "parent_code": "310116"}},
    ]}
    result = grid_import(document, "--datum", "wgs84")
    assert result.exit_code != 0
    assert "not inside Jinshan's district outline (310116): reaches" in result.output
    assert 100 < number_before(result.output, "m outside it") < 115
