"""`flask worker` and `flask sweep`: the rq worker inside the app, and the periodic sweeper.

The worker is rq's SimpleWorker (jobs run in the worker process, no fork), so
SQLAlchemy's connection pool is never shared across a fork; the session is
removed after every job so no job sees another's stale rows.

It runs without rq's scheduler. The scheduler is a forked child holding a Redis lock;
killing its worker left the child running with the lock. Nothing here needs it: jobs
are retried at once (queue.DEFAULT_RETRY) and later by the sweeper, which this
process runs in a thread and which is elected per round by a lock that expires.
"""
import threading
import time

import click
from flask import current_app
from rq import SimpleWorker

from app.core.extensions import db, queue
from app.jobs.sweeper import sweep_once, sweeper_loop


class AppWorker(SimpleWorker):
    def perform_job(self, job, queue, execution):
        try:
            return super().perform_job(job, queue, execution)
        finally:
            db.session.remove()


def make_worker():
    """The worker on a Redis connection of its own (queue.worker_redis says why)."""
    jobs = queue.worker_queue()
    return AppWorker([jobs], connection=jobs.connection)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--sweep/--no-sweep", default=True, help="Run the periodic sweeper in this process.")
def worker_command(burst, sweep):
    """Run an rq worker and the sweeper inside the app context."""
    app = current_app._get_current_object()
    if queue.is_inline:
        raise click.UsageError("REDIS_URL is not set: jobs run inline, there is nothing to work on")
    stop = threading.Event()
    if sweep:
        interval = app.config["SWEEP_INTERVAL_SECONDS"]
        threading.Thread(target=sweeper_loop, args=(app, interval, stop), daemon=True, name="sweeper").start()
    try:
        make_worker().work(burst=burst, with_scheduler=False)
    finally:
        stop.set()


@click.command("sweep")
def sweep_command():
    """Run the periodic tasks once (for cron, or when no worker runs the sweeper)."""
    started = time.monotonic()
    sweep_once()
    click.echo(f"sweep done in {time.monotonic() - started:.2f}s")
