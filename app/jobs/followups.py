"""After-commit follow-ups: a domain publishes what happened, the domains that care subscribe.

A publisher never imports its subscribers (cases does not import notifications), so
the package graph stays a DAG. Subscriptions are made in create_app() by each domain's
`jobs.register(app)` and kept per app. Publish only after the commit: the jobs re-read
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


def subscribe(app: Flask, topic: str, job: Callable) -> None:
    jobs = app.extensions["followups"][topic]
    if job not in jobs:
        jobs.append(job)


def subscribers(topic: str) -> list[Callable]:
    return current_app.extensions["followups"][topic]


def publish(topic: str, arg, *, unique: bool = False) -> None:
    """Queue every subscriber's job with `arg`. `unique`: one queued job per (job, arg),
    so the sweeper re-publishing a stuck row never stacks copies in Redis."""
    for job in subscribers(topic):
        queue.enqueue(job, arg, job_id=f"{job.__name__}-{arg}" if unique else None)
