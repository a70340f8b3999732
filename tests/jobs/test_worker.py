"""`flask worker` hygiene: its own Redis connection, no rq scheduler, a sweeper that
survives the death of the worker running it. Real Redis, real worker subprocesses."""
import os
import socket
import time
from pathlib import Path

import pytest
from redis import Redis

from app.core.extensions import queue
from app.core.queue import WEB_SOCKET_TIMEOUT
from app.jobs.sweeper import SWEEP_LOCK_KEY
from app.jobs.worker import make_worker
from tests.workers import kill, own_redis_server, start_worker, wait_until  # noqa: F401  fixtures

pytestmark = pytest.mark.usefixtures("postgres_url")


def test_the_worker_blocks_on_a_connection_of_its_own_that_outlasts_its_blocking_read(make_app, redis_url):
    with make_app(REDIS_URL=redis_url).app_context():
        worker = make_worker()
        worker_timeout = worker.connection.connection_pool.connection_kwargs["socket_timeout"]
        web_timeout = queue.redis.connection_pool.connection_kwargs["socket_timeout"]
        assert worker.connection.connection_pool is not queue.redis.connection_pool

    assert worker_timeout > worker.dequeue_timeout
    assert web_timeout == WEB_SOCKET_TIMEOUT  # a request still gives up on a hung Redis quickly


def children_of(pid):
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def test_an_idle_worker_keeps_listening_without_redis_timeouts_or_a_scheduler_child(
        own_redis_server, start_worker, tmp_path):
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = start_worker(own_redis_server["url"], burst=False, sweep=True, log=log,
                              extra_env={"SWEEP_INTERVAL_SECONDS": "1"})
        redis = Redis.from_url(own_redis_server["url"])
        assert wait_until(lambda: redis.get(SWEEP_LOCK_KEY) is not None), log_path.read_text()
        # Idle past the web connection's socket timeout: the case that used to loop in back-off.
        time.sleep(WEB_SOCKET_TIMEOUT + 2)
        assert worker.poll() is None
        assert children_of(worker.pid) == []  # rq's scheduler would be a forked child
        assert redis.keys("rq:scheduler*") == []
        kill(worker)
    output = log_path.read_text()
    assert "Timeout reading from socket" not in output
    assert "could not connect to Redis" not in output


def test_the_sweeper_runs_again_soon_after_the_worker_holding_its_lock_is_killed(own_redis_server, start_worker):
    redis, interval = Redis.from_url(own_redis_server["url"]), 2
    env = {"SWEEP_INTERVAL_SECONDS": str(interval)}

    def swept_by(process):
        return redis.get(SWEEP_LOCK_KEY) == f"{socket.gethostname()}:{process.pid}".encode()

    first = start_worker(own_redis_server["url"], burst=False, sweep=True, extra_env=env)
    assert wait_until(lambda: swept_by(first), timeout=20)
    kill(first)  # SIGKILL while it holds the round's lock
    second = start_worker(own_redis_server["url"], burst=False, sweep=True, extra_env=env)
    started = time.monotonic()
    assert wait_until(lambda: swept_by(second), timeout=20)
    # Bounded by start-up plus one interval: the dead worker's lock expired on its own.
    assert time.monotonic() - started < interval + 15
    assert os.path.exists(f"/proc/{second.pid}")
