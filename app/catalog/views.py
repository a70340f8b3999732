from flask import Blueprint

from app.catalog import service
from app.catalog.schemas import DepartmentSchema, KindSchema

bp = Blueprint("catalog", __name__, url_prefix="/api/v1")


@bp.get("/categories")
def categories():
    return {"items": KindSchema(many=True).dump(service.category_tree(service.active_categories()))}


@bp.get("/departments")
def departments():
    return {"items": DepartmentSchema(many=True).dump(service.active_departments())}
