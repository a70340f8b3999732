"""The periodic sweeper: each domain registers the tasks that catch up on what was missed.

Stuck reports, pending notifications, overdue cases, missing patrols: every task takes
`now=`, is safe to run twice, and is committed on its own so one failure does not undo
the others. In `flask worker` one process per round runs it (a Redis lock elects it);
`flask sweep` runs one round from cron.
"""
import logging
import os
import socket
from collections.abc import Callable

from flask import Flask, current_app

from app.core.clock import utcnow
from app.core.extensions import db, queue

log = logging.getLogger(__name__)
SWEEP_LOCK_KEY = "microgrid:sweeper-lock"


def init_app(app: Flask) -> None:
    app.extensions["periodic_tasks"] = []


def register_periodic(app: Flask, task: Callable) -> None:
    tasks = app.extensions["periodic_tasks"]
    if task not in tasks:
        tasks.append(task)


def periodic_tasks() -> list[Callable]:
    return list(current_app.extensions["periodic_tasks"])


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
    """One sweep per interval across all workers: a Redis lock elects the sweeper of the round.

    The lock expires before the next round, so a sweeper killed mid-round (kill -9, no
    cleanup) holds nothing: the next round elects whichever worker asks first.
    """
    with app.app_context():
        while not stop.is_set():
            try:
                if queue.redis.set(SWEEP_LOCK_KEY, sweeper_name(), nx=True, ex=max(interval - 1, 1)):
                    sweep_once()
            except Exception:
                log.exception("sweeper round failed")
            stop.wait(interval)


def sweeper_name():
    # Who swept this round, for whoever reads the lock (ops, the tests).
    return f"{socket.gethostname()}:{os.getpid()}"
