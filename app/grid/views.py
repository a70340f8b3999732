from flask import Blueprint

from app.core.requests import load_args
from app.grid import service
from app.grid.schemas import LocateQuery, UnitSchema, located

bp = Blueprint("grid", __name__, url_prefix="/api/v1/grid")


@bp.get("/locate")
def locate():
    query = load_args(LocateQuery())
    return located(service.locate(**query))


@bp.get("/units/<code>")
def unit(code):
    answer = UnitSchema().dump(service.get_unit(code, retired=True))
    answer["children"] = UnitSchema(many=True).dump(service.children_of(code))
    return answer
