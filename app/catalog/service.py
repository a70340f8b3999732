"""Seeding and reading reference data. Seeding is idempotent: it updates rows in place."""
import csv
from pathlib import Path

from sqlalchemy import select

from app.catalog.models import Category, Department, category_code
from app.core.errors import ApiError
from app.core.extensions import db
from app.grid.models import GridUnit

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def read_csv(name):
    with open(DATA_DIR / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def seed_reference_data():
    """Departments, categories and the 11 streets; returns counts. The caller commits."""
    return {
        "departments": upsert_all(Department, "code", map(department_fields, read_csv("departments.csv"))),
        "categories": upsert_all(Category, "code", map(category_fields, read_csv("categories.csv"))),
        "streets": upsert_all(GridUnit, "code", map(street_fields, read_csv("jinshan_streets.csv"))),
    }


def upsert_all(model, key, rows):
    count = 0
    for fields in rows:
        row = db.session.get(model, fields[key]) or model()
        for name, value in fields.items():
            setattr(row, name, value)
        db.session.add(row)
        count += 1
    db.session.flush()
    return count


def department_fields(row):
    return {"code": row["code"], "name": row["name"], "short_name": row["short_name"]}


def category_fields(row):
    return {
        "code": category_code(row["kind"], row["minor_code"]),
        "kind": row["kind"],
        "major_code": row["major_code"],
        "major_name": row["major_name"],
        "minor_code": row["minor_code"],
        "minor_name": row["minor_name"],
        "default_department_code": row["default_department"] or None,
        "completion_days": int(row["completion_days"] or 12),
        "urgent_hours": int(row["urgent_hours"]) if row["urgent_hours"] else None,
    }


def street_fields(row):
    return {"code": row["code"], "name": row["name"], "level": "street", "kind": row["kind"]}


def active_categories():
    return db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.kind, Category.minor_code)
    ).all()


def get_active_category(code):
    category = db.session.get(Category, code or "")
    if category is None or not category.active:
        raise ApiError.unprocessable(
            f"未知或已停用的类别 {code} (unknown category)", "unknown_category",
            fields={"category_code": ["unknown or inactive category"]},
        )
    return category


def get_department(code):
    department = db.session.get(Department, code or "")
    if department is None or not department.active:
        raise ApiError.unprocessable(
            f"未知的承办单位 {code} (unknown department)", "unknown_department",
            fields={"department_code": ["unknown department"]},
        )
    return department


def category_tree(categories):
    """Group minor classes under kind and major class, in code order."""
    tree = {}
    for c in categories:
        kind = tree.setdefault(c.kind, {"kind": c.kind, "majors": {}})
        major = kind["majors"].setdefault(
            c.major_code, {"code": c.major_code, "name": c.major_name, "minors": []}
        )
        major["minors"].append(c)
    return [{"kind": k["kind"], "majors": list(k["majors"].values())} for k in tree.values()]


def active_departments():
    return db.session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.code)
    ).all()
