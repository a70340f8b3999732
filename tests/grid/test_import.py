import copy
import json

import pytest
from shapely.geometry import Polygon, box, mapping

from app.core.extensions import db
from app.grid.models import GridUnit
from tests.factories import world_geojson


@pytest.fixture
def grid_file(tmp_path):
    def write(document):
        path = tmp_path / "grid.geojson"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return str(path)

    return write


def run_import(app, path, *options):
    return app.test_cli_runner().invoke(args=["grid", "import", path, *(options or ["--datum", "wgs84"])])


def unit_count():
    return db.session.query(GridUnit).count()


def features_by_code(document):
    return {f["properties"]["code"]: f for f in document["features"]}


def test_a_good_file_imports_every_unit(app, grid_file):
    document, _ = world_geojson()
    result = run_import(app, grid_file(document))
    assert result.exit_code == 0, result.output
    assert unit_count() == len(document["features"])


def test_reimporting_updates_units_in_place(app, grid_file):
    document, _ = world_geojson()
    run_import(app, grid_file(document))
    features_by_code(document)["310116101201"]["properties"]["name"] = "新名字"
    result = run_import(app, grid_file(document))
    assert result.exit_code == 0, result.output
    assert unit_count() == len(document["features"])
    assert db.session.get(GridUnit, "310116101201").name == "新名字"


def bowtie():
    return {"type": "Polygon", "coordinates": [[[121.15, 30.88], [121.16, 30.89], [121.16, 30.88], [121.15, 30.89], [121.15, 30.88]]]}


def break_unknown_parent(doc):
    features_by_code(doc)["310116101201001"]["properties"]["parent_code"] = "310116101299"


def break_duplicate_code(doc):
    doc["features"].append(copy.deepcopy(features_by_code(doc)["310116101201001"]))


def break_level_order(doc):
    # A cell hung directly under a street.
    features_by_code(doc)["310116101201001"]["properties"]["parent_code"] = "310116101"


def break_self_intersection(doc):
    features_by_code(doc)["310116101201001"]["geometry"] = bowtie()


def break_containment(doc):
    features_by_code(doc)["310116101201001"]["geometry"] = mapping(box(121.30, 30.70, 121.31, 30.71))


def break_code_format(doc):
    features_by_code(doc)["310116101201001"]["properties"]["code"] = "3101161012010"


def break_geometry_type(doc):
    features_by_code(doc)["310116101201001"]["geometry"] = {"type": "Point", "coordinates": [121.15, 30.88]}


@pytest.mark.parametrize("breakage, expected", [
    (break_unknown_parent, "unknown parent 310116101299"),
    (break_duplicate_code, "duplicate code 310116101201001"),
    (break_level_order, "wrong level order"),
    (break_self_intersection, "invalid polygon: Self-intersection"),
    (break_containment, "not inside its parent 310116101201"),
    (break_code_format, "a cell code has 15 digits"),
    (break_geometry_type, "must be a Polygon"),
])
def test_a_bad_file_is_refused_naming_the_feature_and_nothing_is_written(app, grid_file, breakage, expected):
    document, _ = world_geojson()
    breakage(document)
    result = run_import(app, grid_file(document))
    assert result.exit_code != 0
    assert expected in result.output
    assert "feature " in result.output
    assert unit_count() == 0


def test_a_bad_file_leaves_a_previous_import_untouched(app, grid_file):
    document, _ = world_geojson()
    run_import(app, grid_file(document))
    features_by_code(document)["310116101201"]["properties"]["name"] = "不该写入"
    break_unknown_parent(document)
    assert run_import(app, grid_file(document)).exit_code != 0
    db.session.expire_all()
    assert db.session.get(GridUnit, "310116101201").name == "朱泾镇测试村"


def test_a_file_that_is_not_geojson_is_refused(app, tmp_path):
    path = tmp_path / "grid.geojson"
    path.write_text("not json")
    result = run_import(app, str(path))
    assert result.exit_code != 0
    assert "not valid JSON" in result.output


def test_children_may_refer_to_parents_imported_earlier(app, grid_file):
    document, _ = world_geojson()
    run_import(app, grid_file(document))
    cells_only = {"type": "FeatureCollection",
                  "features": [f for f in document["features"] if f["properties"]["level"] == "cell"]}
    assert run_import(app, grid_file(cells_only), "--datum", "wgs84", "--merge").exit_code == 0
    outside = copy.deepcopy(cells_only)
    outside["features"][0]["geometry"] = mapping(Polygon([(121.3, 30.7), (121.31, 30.7), (121.31, 30.71)]))
    assert "not inside its parent" in run_import(app, grid_file(outside), "--datum", "wgs84", "--merge").output


def test_a_full_import_refuses_children_of_parents_it_would_retire(app, grid_file):
    document, _ = world_geojson()
    run_import(app, grid_file(document))
    cells_only = {"type": "FeatureCollection",
                  "features": [f for f in document["features"] if f["properties"]["level"] == "cell"]}
    result = run_import(app, grid_file(cells_only))
    assert result.exit_code != 0
    assert "parent 310116101201 is not in the file" in result.output and "--merge" in result.output


def test_the_datum_must_be_named(app, grid_file):
    document, _ = world_geojson()
    result = app.test_cli_runner().invoke(args=["grid", "import", grid_file(document)])
    assert result.exit_code != 0
    assert "--datum" in result.output
    assert unit_count() == 0
