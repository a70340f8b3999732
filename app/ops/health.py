"""Liveness (/healthz) and readiness (/readyz).

/healthz is for whatever restarts processes: it answers 200 while this process serves
requests, whatever the state of its dependencies (restarting every web process because
Redis blinked would turn a degraded service into none). Its body keeps reporting the
checks below, for people and dashboards.

/readyz is for the load balancer: 503 only when a check this node cannot serve without
fails (the database). Redis down is "degraded", 200: reports are still taken in and
their jobs run inline, so taking every node out of rotation would only make it worse.

Readiness is the list READINESS_CHECKS: each function returns a Check. To add one, write
a function returning Check(name, state, required=False, detail=...) and append it; a state
other than ok/inline counts as degraded (or down, if required). Besides the database and
Redis it warns (state "warning", still ready, the message under "warnings") when next
year's holidays are not entered (from 1 November: deadlines are then provisional) and when
notices were sent with an unknown outcome (ops must reconcile them).
"""
from dataclasses import dataclass

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.cases.policy import calendar_readiness
from app.core.clock import utcnow
from app.core.extensions import db, queue
from app.notifications.service import unknown_notification_count

bp = Blueprint("health", __name__)

# "warning": serving fine, but a person must act (the detail says what); listed under "warnings".
HEALTHY_STATES = ("ok", "inline", "warning")


@dataclass(frozen=True)
class Check:
    name: str
    state: str  # "ok", "inline" (not configured, runs in-process), "down", or a check's own word
    required: bool = False  # a failing required check takes the node out of rotation
    detail: str | None = None  # what a person should do about it

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


def calendar_check():
    try:
        readiness = calendar_readiness(utcnow())
    except SQLAlchemyError:  # the database check says why
        db.session.rollback()
        return Check("calendar", "unknown")
    return Check("calendar", readiness["status"], detail=readiness["message"])


def notifications_check():
    try:
        count = unknown_notification_count()
    except SQLAlchemyError:
        db.session.rollback()
        return Check("notifications", "unknown")
    if not count:
        return Check("notifications", "ok")
    return Check("notifications", "warning",
                 detail=f"{count} 条通知发送结果未知，请用 flask notifications unknown 核对 "
                        f"({count} sends with an unknown outcome)")


READINESS_CHECKS = [database_check, queue_check, calendar_check, notifications_check]


def run_checks():
    """(overall status, checks): ok, degraded (an optional check failed) or unavailable."""
    checks = [check() for check in READINESS_CHECKS]
    if any(c.required and not c.healthy for c in checks):
        return "unavailable", checks
    return ("ok" if all(c.healthy for c in checks) else "degraded"), checks


def report(status, checks):
    body = {"status": status, "env": current_app.config["ENV_NAME"], **{c.name: c.state for c in checks}}
    return {**body, "warnings": [c.detail for c in checks if c.detail]}


@bp.get("/healthz")
def healthz():
    status, checks = run_checks()
    # Alive is alive: the body tells what is wrong, the status code never does.
    return report("ok" if status == "ok" else "degraded", checks), 200


@bp.get("/readyz")
def readyz():
    status, checks = run_checks()
    return report(status, checks), 503 if status == "unavailable" else 200
