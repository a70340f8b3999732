"""One way to run background jobs: through rq when REDIS_URL is set, inline otherwise.

Callers enqueue only after their database commit. Jobs take ids and re-read rows,
so running one twice (rq is at-least-once, and the sweeper re-queues) is harmless.
A queued job is a nudge, never the only record of work: the rows it acts on are
committed first, and the sweeper finds them again when the job is lost.
"""
import logging

from flask import current_app
from redis import Redis
from rq import Queue, Retry

log = logging.getLogger(__name__)

# Immediate retries only: a retry with an interval needs rq's scheduler, which we do not
# run (a forked child holding a Redis lock, left behind when its worker is killed).
# Slower retries are the sweeper's: stuck reports, notifications due for a resend.
DEFAULT_RETRY = Retry(max=2)
# The web side's Redis calls are short; a hung Redis must not hang a request.
WEB_SOCKET_TIMEOUT = 5


class QueueConnections:
    """One app's Redis connection and rq queue, opened on first use."""

    def __init__(self, config):
        self.url = config.get("REDIS_URL")
        self.queue_name = config["RQ_QUEUE_NAME"]
        self._redis = None
        self._rq = None

    @property
    def redis(self):
        if self._redis is None and self.url:
            self._redis = Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=WEB_SOCKET_TIMEOUT)
        return self._redis

    def worker_redis(self):
        """A connection of the worker's own, with no socket timeout of ours.

        rq blocks on BLPOP for its dequeue timeout (worker_ttl - 15 s, 405 s by default)
        and raises a connection's socket timeout to that plus 10 s. Sharing the web
        connection's pool, a worker reused sockets opened with 5 s and looped in
        back-off on "Timeout reading from socket" whenever it was idle.
        """
        return Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=None)

    @property
    def rq(self):
        if self._rq is None and self.url:
            self._rq = Queue(self.queue_name, connection=self.redis)
        return self._rq


class JobQueue:
    """The extension object; its state lives per app, so several apps in one process
    (tests, a worker beside a web app) never share a Redis URL by accident."""

    def init_app(self, app):
        app.extensions["job_queue"] = QueueConnections(app.config)

    @property
    def _connections(self):
        return current_app.extensions["job_queue"]

    @property
    def is_inline(self):
        return not self._connections.url

    @property
    def redis(self):
        return self._connections.redis

    @property
    def rq(self):
        return self._connections.rq

    def worker_queue(self):
        """The queue on a connection of its own, for `flask worker` (see worker_redis)."""
        connections = self._connections
        return Queue(connections.queue_name, connection=connections.worker_redis())

    def enqueue(self, func, *args, job_id=None, timeout=120, retry=DEFAULT_RETRY):
        """Run `func(*args)` now (inline) or on a worker; returns False if Redis refused.

        A refused enqueue is not an error for the caller: the row stays in its
        waiting state and the sweeper queues it again.
        """
        if self.is_inline:
            return self._run_inline(func, *args)
        try:
            self.rq.enqueue(func, *args, job_id=job_id, job_timeout=timeout, retry=retry)
            return True
        except Exception:  # Redis down or unreachable: the sweeper will catch up.
            log.warning("could not enqueue %s; left for the sweeper", func.__name__)
            return False

    @staticmethod
    def _run_inline(func, *args):
        # The caller has committed and answered 2xx already: a failing job must not
        # turn that into a 500. The row stays waiting and the sweeper retries it.
        try:
            func(*args)
            return True
        except Exception:
            log.exception("inline job %s failed; left for the sweeper", func.__name__)
            return False

    def ping(self):
        return self.redis.ping()
