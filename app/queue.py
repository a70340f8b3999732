"""One way to run background jobs: through rq when REDIS_URL is set, inline otherwise.

Callers enqueue only after their database commit. Jobs take ids and re-read rows,
so running one twice (rq is at-least-once, and the sweeper re-queues) is harmless.
"""
import logging

from redis import Redis
from rq import Queue, Retry

log = logging.getLogger(__name__)

DEFAULT_RETRY = Retry(max=5, interval=[2, 10, 30, 120, 600])


class JobQueue:
    def __init__(self, app=None):
        self.app = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        self.app = app
        app.extensions["job_queue"] = self
        self._redis = None
        self._rq = None

    @property
    def is_inline(self):
        return not self.app.config.get("REDIS_URL")

    @property
    def redis(self):
        if self._redis is None and not self.is_inline:
            self._redis = Redis.from_url(
                self.app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
            )
        return self._redis

    @property
    def rq(self):
        if self._rq is None and not self.is_inline:
            self._rq = Queue(self.app.config["RQ_QUEUE_NAME"], connection=self.redis)
        return self._rq

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
