"""Re-importing: a full import replaces the grid and retires what it leaves out; --merge, --dry-run."""
import pytest
from shapely.geometry import box, mapping

from app.accounts.bindings import get_cell
from app.core.errors import ApiError
from app.core.extensions import db
from app.grid import datum, service
from app.grid.models import GridUnit
from app.patrols.compliance import cells_of
from tests.factories import STREET_A, STREET_B, grid_feature, world_geojson

JINSHANWEI = "310116109"  # 金山卫镇
JINSHANWEI_COMMUNITY = JINSHANWEI + "201"
SEAT_GCJ02 = (30.724669, 121.317927)  # its real seat, from jinshan_street_seats_gcj02.csv


def jinshanwei_grid(serials):
    """金山卫镇 as one community of 2x2 cells around its real seat, serials NW, NE, SW, SE.

    The seat lies at the centre of the NW cell."""
    lat, lng = datum.to_wgs84(*SEAT_GCJ02, "gcj02")
    x0, y0, size = lng - 0.005, lat - 0.015, 0.01
    outline = box(x0, y0, x0 + 2 * size, y0 + 2 * size)
    features = [grid_feature(JINSHANWEI, "金山卫镇", "street", "310116", outline),
                grid_feature(JINSHANWEI_COMMUNITY, "金山卫测试村", "community", JINSHANWEI, outline)]
    for serial, (col, row) in zip(serials, [(0, 1), (1, 1), (0, 0), (1, 0)]):
        cell = box(x0 + col * size, y0 + row * size, x0 + (col + 1) * size, y0 + (row + 1) * size)
        code = f"{JINSHANWEI_COMMUNITY}{serial:03d}"
        features.append(grid_feature(code, f"金山卫测试网格{serial}", "cell", JINSHANWEI_COMMUNITY, cell))
    return {"type": "FeatureCollection", "features": features}


def seat_cell():
    return service.locate(lat=SEAT_GCJ02[0], lng=SEAT_GCJ02[1], coord="gcj02").code


def features_by_code(document):
    return {f["properties"]["code"]: f for f in document["features"]}


def without(document, code):
    return {"type": "FeatureCollection",
            "features": [f for f in document["features"] if f["properties"]["code"] != code]}


def test_a_reimport_retires_the_cells_it_leaves_out_so_the_jinshanwei_seat_no_longer_resolves_to_a_stale_cell(
        app, grid_import):
    assert grid_import(jinshanwei_grid((1, 2, 3, 4)), "--datum", "wgs84").exit_code == 0
    assert seat_cell() == JINSHANWEI_COMMUNITY + "001"
    result = grid_import(jinshanwei_grid((5, 6, 7, 8)), "--datum", "wgs84")  # the district renumbered
    assert result.exit_code == 0, result.output
    assert "added 4, updated 0, retired 4, unchanged 2" in result.output
    assert seat_cell() == JINSHANWEI_COMMUNITY + "005"
    stale = db.session.get(GridUnit, JINSHANWEI_COMMUNITY + "001")
    assert stale.retired_at is not None  # kept: reports and cases still name it
    assert [u.code for u in service.children_of(JINSHANWEI_COMMUNITY)] == [
        JINSHANWEI_COMMUNITY + f"{n:03d}" for n in (5, 6, 7, 8)]
    assert service.cell_count() == 4


def test_a_retired_cell_is_still_shown_by_code_marked_retired(client, grid_import):
    grid_import(jinshanwei_grid((1, 2, 3, 4)), "--datum", "wgs84")
    grid_import(jinshanwei_grid((5, 6, 7, 8)), "--datum", "wgs84")
    answer = client.get(f"/api/v1/grid/units/{JINSHANWEI_COMMUNITY}001")
    assert answer.status_code == 200
    assert answer.json["retired_at"] is not None
    assert client.get(f"/api/v1/grid/units/{JINSHANWEI_COMMUNITY}005").json["retired_at"] is None


def test_a_retired_cell_can_no_longer_be_bound_and_drops_out_of_patrol_compliance(app, grid_import):
    grid_import(jinshanwei_grid((1, 2, 3, 4)), "--datum", "wgs84")
    grid_import(jinshanwei_grid((5, 6, 7, 8)), "--datum", "wgs84")
    with pytest.raises(ApiError):
        get_cell(JINSHANWEI_COMMUNITY + "001")
    assert [row.code for row in cells_of(JINSHANWEI)] == [JINSHANWEI_COMMUNITY + f"{n:03d}" for n in (5, 6, 7, 8)]


def test_a_retired_unit_comes_back_when_a_later_file_has_it_again(app, grid_import):
    document, _ = world_geojson()
    cell = STREET_B + "201004"
    grid_import(document, "--datum", "wgs84")
    grid_import(without(document, cell), "--datum", "wgs84")
    assert db.session.get(GridUnit, cell).retired_at is not None
    result = grid_import(document, "--datum", "wgs84")
    assert "added 1, updated 0, retired 0" in result.output
    assert db.session.get(GridUnit, cell).retired_at is None
    assert service.cell_count() == 8


def test_merge_keeps_the_units_the_file_leaves_out(app, grid_import):
    document, cells = world_geojson()
    grid_import(document, "--datum", "wgs84")
    street_b = {"type": "FeatureCollection",
                "features": [f for f in document["features"] if f["properties"]["code"].startswith(STREET_B)]}
    features_by_code(street_b)[STREET_B + "201"]["properties"]["name"] = "枫泾镇新村"
    result = grid_import(street_b, "--datum", "wgs84", "--merge")
    assert result.exit_code == 0, result.output
    assert "added 0, updated 1, retired 0, unchanged 5" in result.output
    assert db.session.get(GridUnit, STREET_B + "201").name == "枫泾镇新村"
    centre = cells[STREET_A + "201001"].centroid
    assert service.locate(lat=centre.y, lng=centre.x, coord="wgs84").code == STREET_A + "201001"
    assert service.cell_count() == 8


def test_merge_refuses_a_new_cell_overlapping_a_stored_sibling(app, grid_import):
    document, cells = world_geojson()
    grid_import(document, "--datum", "wgs84")
    community = STREET_A + "201"
    newcomer = grid_feature(community + "005", "朱泾镇测试网格5", "cell", community, cells[community + "001"])
    result = grid_import({"type": "FeatureCollection", "features": [newcomer]}, "--datum", "wgs84", "--merge")
    assert result.exit_code != 0
    assert f"({community}005): overlaps its sibling {community}001 by" in result.output


def test_a_dry_run_prints_what_would_change_and_writes_nothing(app, grid_import):
    document, _ = world_geojson()
    grid_import(document, "--datum", "wgs84")
    version = service.current_version()
    features_by_code(document)[STREET_A + "201"]["properties"]["name"] = "新名字"
    features_by_code(document)[STREET_B + "201004"]["properties"]["code"] = STREET_B + "201005"
    result = grid_import(document, "--datum", "wgs84", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written" in result.output
    assert "would have added 1, updated 1, retired 1, unchanged 10" in result.output
    assert f"added: {STREET_B}201005" in result.output
    assert f"updated: {STREET_A}201" in result.output
    assert f"retired: {STREET_B}201004" in result.output
    db.session.expire_all()
    assert db.session.get(GridUnit, STREET_A + "201").name == "朱泾镇测试村"
    assert db.session.get(GridUnit, STREET_B + "201004").retired_at is None
    assert db.session.get(GridUnit, STREET_B + "201005") is None
    assert service.current_version() == version


def test_a_dry_run_of_a_bad_file_is_refused_like_the_import(app, grid_import):
    document, cells = world_geojson()
    features_by_code(document)[STREET_A + "201001"]["geometry"] = mapping(box(121.30, 30.70, 121.31, 30.71))
    result = grid_import(document, "--datum", "wgs84", "--dry-run")
    assert result.exit_code != 0
    assert "not inside its parent" in result.output
    assert db.session.query(GridUnit).count() == 0
