"""`flask worker` and `flask sweep`: the rq worker inside the app, and the periodic sweeper.

The worker is rq's SimpleWorker (jobs run in the worker process, no fork), so
SQLAlchemy's connection pool is never shared across a fork; the session is
removed after every job so no job sees another's stale rows.
"""
import logging
import threading
import time

import click
from flask import current_app
from rq import SimpleWorker

from app.extensions import db, queue
from app.timestamps import utcnow

log = logging.getLogger(__name__)
SWEEP_LOCK_KEY = "microgrid:sweeper-lock"


class AppWorker(SimpleWorker):
    def perform_job(self, job, queue, execution):
        try:
            return super().perform_job(job, queue, execution)
        finally:
            db.session.remove()


def periodic_tasks():
    """Everything the sweeper does each round; each task is safe to run twice."""
    from app.cases.supervision import flag_overdue_and_remind
    from app.notifications.service import retry_pending_notifications
    from app.patrols.service import record_missing_patrols
    from app.reports.jobs import requeue_stuck_reports

    return [requeue_stuck_reports, retry_pending_notifications, flag_overdue_and_remind,
            record_missing_patrols]


def sweep_once(now=None):
    """One round; each task commits separately so one failure does not undo the others."""
    now = now or utcnow()
    for task in periodic_tasks():
        try:
            task(now=now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("periodic task %s failed", task.__name__)
        finally:
            db.session.remove()


def sweeper_loop(app, interval, stop):
    """One sweep per interval across all workers: a Redis lock elects the sweeper of the round."""
    with app.app_context():
        while not stop.is_set():
            try:
                if queue.redis.set(SWEEP_LOCK_KEY, "1", nx=True, ex=max(interval - 1, 1)):
                    sweep_once()
            except Exception:
                log.exception("sweeper round failed")
            stop.wait(interval)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--sweep/--no-sweep", default=True, help="Run the periodic sweeper in this process.")
def worker_command(burst, sweep):
    """Run an rq worker (with rq's scheduler) and the sweeper inside the app context."""
    app = current_app._get_current_object()
    if queue.is_inline:
        raise click.UsageError("REDIS_URL is not set: jobs run inline, there is nothing to work on")
    stop = threading.Event()
    if sweep:
        interval = app.config["SWEEP_INTERVAL_SECONDS"]
        threading.Thread(target=sweeper_loop, args=(app, interval, stop), daemon=True, name="sweeper").start()
    try:
        AppWorker([queue.rq], connection=queue.redis).work(burst=burst, with_scheduler=True)
    finally:
        stop.set()


@click.command("sweep")
def sweep_command():
    """Run the periodic tasks once (for cron, or when no worker runs the sweeper)."""
    started = time.monotonic()
    sweep_once()
    click.echo(f"sweep done in {time.monotonic() - started:.2f}s")
