from app.catalog.models import Category, Department
from app.catalog.service import seed_reference_data
from app.core.extensions import db
from app.grid.models import GridUnit


def test_seed_loads_departments_categories_and_the_11_streets(app):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert db.session.query(Department).count() == 12
    assert db.session.query(Category).count() == 52
    assert db.session.query(GridUnit).filter_by(level="street").count() == 11


def test_seed_is_idempotent_and_leaves_a_deactivated_category_inactive(app):
    seed_reference_data()
    category = db.session.get(Category, "E0101")
    category.minor_name = "旧名"
    category.active = False
    db.session.commit()
    seed_reference_data()
    db.session.commit()
    assert db.session.query(Category).count() == 52
    assert category.minor_name == "违法搭建"
    assert category.active is False


def test_categories_are_served_as_a_tree_with_kind_major_and_minor(client, world):
    items = client.get("/api/v1/categories").json["items"]
    assert [k["kind"] for k in items] == ["component", "event"]
    assert items[0]["name"] == "部件"
    first_major = items[0]["majors"][0]
    assert first_major["code"] == "01" and first_major["name"] == "公用设施"
    manhole = first_major["minors"][0]
    assert manhole == {
        "code": "C0101", "kind": "component", "minor_code": "0101", "name": "上水井盖",
        "default_department_code": "SWJ", "completion_days": 12, "urgent_hours": 4,
    }


def test_inactive_categories_are_not_offered(client, world):
    db.session.get(Category, "C0101").active = False
    db.session.commit()
    codes = [m["code"] for k in client.get("/api/v1/categories").json["items"]
             for major in k["majors"] for m in major["minors"]]
    assert "C0101" not in codes and "C0102" in codes
