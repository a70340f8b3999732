from flask import Blueprint, current_app
from sqlalchemy import text

from app.core.extensions import db, queue

bp = Blueprint("health", __name__)


def database_status():
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        db.session.rollback()
        return "down"


def queue_status():
    if queue.is_inline:
        return "inline"
    try:
        queue.ping()
        return "ok"
    except Exception:
        return "down"


@bp.get("/healthz")
def healthz():
    checks = {"database": database_status(), "queue": queue_status()}
    healthy = "down" not in checks.values()
    body = {"status": "ok" if healthy else "unavailable", "env": current_app.config["ENV_NAME"], **checks}
    return body, 200 if healthy else 503
