import pytest

from app.grid import datum, service
from tests.factories import CELL_SIZE


def locate(client, lat, lng, coord=None):
    query = f"/api/v1/grid/locate?lat={lat}&lng={lng}" + (f"&coord={coord}" if coord else "")
    return client.get(query)


def test_a_wgs84_point_inside_a_cell_resolves_to_that_cell_community_and_street(client, world):
    lat, lng = world.centre_wgs84(world.cell_a)
    answer = locate(client, lat, lng, "wgs84")
    assert answer.status_code == 200
    assert answer.json == {
        "cell": {"code": world.cell_a, "name": "朱泾镇测试网格1"},
        "community": {"code": world.community_a, "name": "朱泾镇测试村"},
        "street": {"code": world.street_a, "name": "朱泾镇"},
    }


def test_a_gcj02_point_resolves_to_the_cell_its_wgs84_position_is_in(client, world):
    lat, lng = world.centre_gcj02(world.cell_b)
    assert locate(client, lat, lng, "gcj02").json["cell"]["code"] == world.cell_b


def test_the_datum_defaults_to_gcj02_as_wechat_sends_it(client, world):
    lat, lng = world.centre_gcj02(world.cell_b)
    assert locate(client, lat, lng).json["cell"]["code"] == world.cell_b


def test_a_gcj02_point_whose_raw_coordinates_lie_in_the_neighbour_resolves_to_the_right_cell(client, world):
    # Near the east edge of NW cell 001: GCJ-02 shifts ~430 m east, into NE cell 002.
    cell = world.cells[world.cell_a]
    wgs_lat, wgs_lng = cell.centroid.y, cell.bounds[2] - CELL_SIZE / 10
    gcj_lat, gcj_lng = datum.to_gcj02(wgs_lat, wgs_lng)
    assert locate(client, gcj_lat, gcj_lng, "wgs84").json["cell"]["code"] == world.community_a + "002"
    assert locate(client, gcj_lat, gcj_lng, "gcj02").json["cell"]["code"] == world.cell_a


def test_a_point_on_a_shared_edge_resolves_to_one_cell_the_same_every_time(client, world):
    cell = world.cells[world.cell_a]
    lat, lng = cell.centroid.y, cell.bounds[2]  # the edge between cells 001 and 002
    answers = {locate(client, lat, lng, "wgs84").json["cell"]["code"] for _ in range(5)}
    assert answers == {world.cell_a}


def test_a_point_on_the_edge_between_two_streets_resolves_to_one_of_them(client, world):
    lat, lng = world.centre_wgs84(world.community_a + "002")[0], 121.17
    assert locate(client, lat, lng, "wgs84").json["street"]["code"] == world.street_a


def test_a_point_outside_the_grid_is_404_outside_coverage(client, world):
    answer = locate(client, 31.23, 121.47, "wgs84")  # the Bund
    assert answer.status_code == 404
    assert answer.json["error"]["code"] == "outside_coverage"


@pytest.mark.parametrize("query", [
    "lng=121.16&coord=wgs84",
    "lat=30.89&coord=wgs84",
    "lat=abc&lng=121.16",
    "lat=200&lng=121.16",
    "lat=30.89&lng=-181",
    "lat=nan&lng=121.16",
    "lat=30.89&lng=121.16&coord=bd09",
])
def test_missing_non_numeric_out_of_range_or_unknown_datum_is_a_400(client, world, query):
    answer = client.get(f"/api/v1/grid/locate?{query}")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "validation_error"
    assert answer.json["error"]["fields"]


def test_the_index_is_rebuilt_when_the_grid_changes(app, world):
    lat, lng = world.centre_wgs84(world.cell_a)
    assert service.locate(lat=lat, lng=lng, coord="wgs84").name == "朱泾镇测试网格1"
    from tests.factories import world_geojson

    document, _ = world_geojson()
    for feature in document["features"]:
        if feature["properties"]["code"] == world.cell_a:
            feature["properties"]["name"] = "改名网格"
    service.import_grid(document)
    assert service.locate(lat=lat, lng=lng, coord="wgs84").name == "改名网格"


def test_bulk_lookup_agrees_with_single_lookups(app, world):
    index = service.cell_index()
    points = [world.centre_wgs84(code) for code in world.cells] + [(31.23, 121.47)]
    bulk = index.locate_many([p[0] for p in points], [p[1] for p in points])
    assert [r.code if r else None for r in bulk] == list(world.cells) + [None]


def test_a_unit_is_shown_with_its_children(client, world):
    answer = client.get(f"/api/v1/grid/units/{world.community_a}")
    assert answer.status_code == 200
    assert answer.json["level"] == "community"
    assert answer.json["parent_code"] == world.street_a
    assert [c["code"] for c in answer.json["children"]] == sorted(
        code for code in world.cells if code.startswith(world.community_a)
    )


def test_an_unknown_unit_is_404(client, world):
    answer = client.get("/api/v1/grid/units/310116999")
    assert answer.status_code == 404
    assert answer.json["error"]["code"] == "unknown_grid_unit"


def test_the_index_asks_for_the_grid_version_at_most_once_a_recheck_period():
    from app.grid.index import IndexCache

    now = [100.0]
    asked, built = [], []
    cache = IndexCache(recheck_seconds=1.0, clock=lambda: now[0])

    def version():
        asked.append(now[0])
        return 7 if now[0] < 102 else 8

    def build():
        built.append(now[0])
        return object()

    first = cache.get(version, build)
    now[0] = 100.5
    assert cache.get(version, build) is first and asked == [100.0]
    now[0] = 101.5
    assert cache.get(version, build) is first and len(built) == 1  # asked again, same version
    now[0] = 102.5
    assert cache.get(version, build) is not first and len(built) == 2  # another process imported
