"""Follow-ups: a domain says what happened, the domains that care subscribe.

A publisher never imports its subscribers (cases does not import notifications), so
the package graph stays a DAG. Subscriptions are made in create_app() by each domain's
`jobs.register(app)` and kept per app. There are two kinds:

- `within(app, topic, handler)`: the publisher calls `record(topic, obj)` before its
  commit, and each handler adds its rows to the same transaction. This is the outbox:
  the notification a step owes its reporters is committed with the step or not at all.
- `subscribe(app, topic, job)`: the publisher calls `publish(topic, id)` after its
  commit, and each job is queued. A queued job is only a nudge to act on what the
  transaction wrote; losing it (Redis flushed, a worker killed) loses nothing, because
  the sweeper finds the rows again. Publish only after the commit: the jobs re-read
  the rows by id, and a job that runs before the commit would find nothing.
"""
from collections.abc import Callable

from flask import Flask, current_app

from app.core.extensions import queue

# What can happen, with the argument each subscriber's job receives.
REPORT_RECEIVED = "report_received"    # report id: accepted and committed, to be processed
REPORT_ROUTED = "report_routed"        # report id: it reached its street's inbox
CASE_STEP_PUBLIC = "case_step_public"  # case event id: a step the reporters may be told of
PHOTO_CLAIMED = "photo_claimed"        # photo id: claimed outside a report, needs derivatives
TOPICS = (REPORT_RECEIVED, REPORT_ROUTED, CASE_STEP_PUBLIC, PHOTO_CLAIMED)


def init_app(app: Flask) -> None:
    app.extensions["followups"] = {topic: [] for topic in TOPICS}
    app.extensions["followups_within"] = {topic: [] for topic in TOPICS}


def subscribe(app: Flask, topic: str, job: Callable) -> None:
    add_once(app.extensions["followups"][topic], job)


def within(app: Flask, topic: str, handler: Callable) -> None:
    """`handler(obj)` runs inside the publisher's transaction, before its commit."""
    add_once(app.extensions["followups_within"][topic], handler)


def add_once(handlers: list[Callable], handler: Callable) -> None:
    if handler not in handlers:
        handlers.append(handler)


def subscribers(topic: str) -> list[Callable]:
    return current_app.extensions["followups"][topic]


def record(topic: str, obj) -> None:
    """Before the commit: let every `within` handler write its rows beside `obj`'s.

    A handler that raises fails the publisher's transaction, which is the point: the
    step and what it owes are committed together or not at all.
    """
    for handler in current_app.extensions["followups_within"][topic]:
        handler(obj)


def publish(topic: str, arg, *, unique: bool = False) -> None:
    """Queue every subscriber's job with `arg`. `unique`: a stable job id per (job, arg), so
    re-publishing a stuck row replaces the stored job instead of adding another (rq may
    still list the id twice in the queue; the jobs are idempotent, the second run is a no-op)."""
    for job in subscribers(topic):
        queue.enqueue(job, arg, job_id=f"{job.__name__}-{arg}" if unique else None)
