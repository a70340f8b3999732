"""Liveness (/healthz) and readiness (/readyz).

/healthz is for whatever restarts processes: it answers 200 while this process serves
requests, whatever the state of its dependencies (restarting every web process because
Redis blinked would turn a degraded service into none). Its body keeps reporting the
checks below, for people and dashboards.

/readyz is for the load balancer: 503 only when a check this node cannot serve without
fails (the database). Redis down is "degraded", 200: reports are still taken in and
their jobs run inline, so taking every node out of rotation would only make it worse.

Readiness is the list READINESS_CHECKS: each function returns a Check. To add one (the
holiday calendar, say), write a function returning Check(name, state, required=False)
and append it; a state other than ok/inline counts as degraded (or down, if required).
"""
from dataclasses import dataclass

from flask import Blueprint, current_app
from sqlalchemy import text

from app.core.extensions import db, queue

bp = Blueprint("health", __name__)

HEALTHY_STATES = ("ok", "inline")


@dataclass(frozen=True)
class Check:
    name: str
    state: str  # "ok", "inline" (not configured, runs in-process), "down", or a check's own word
    required: bool = False  # a failing required check takes the node out of rotation

    @property
    def healthy(self):
        return self.state in HEALTHY_STATES


def database_check():
    try:
        db.session.execute(text("SELECT 1"))
        return Check("database", "ok", required=True)
    except Exception:
        db.session.rollback()
        return Check("database", "down", required=True)


def queue_check():
    if queue.is_inline:
        return Check("queue", "inline")
    try:
        queue.ping()
        return Check("queue", "ok")
    except Exception:
        return Check("queue", "down")


READINESS_CHECKS = [database_check, queue_check]


def run_checks():
    """(overall status, checks): ok, degraded (an optional check failed) or unavailable."""
    checks = [check() for check in READINESS_CHECKS]
    if any(c.required and not c.healthy for c in checks):
        return "unavailable", checks
    return ("ok" if all(c.healthy for c in checks) else "degraded"), checks


def report(status, checks):
    return {"status": status, "env": current_app.config["ENV_NAME"], **{c.name: c.state for c in checks}}


@bp.get("/healthz")
def healthz():
    status, checks = run_checks()
    # Alive is alive: the body tells what is wrong, the status code never does.
    return report("ok" if status == "ok" else "degraded", checks), 200


@bp.get("/readyz")
def readyz():
    status, checks = run_checks()
    return report(status, checks), 503 if status == "unavailable" else 200
