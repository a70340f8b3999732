"""Real rq workers and a Redis server of a test's own, for the reliability and chaos tests.

Workers run as `flask worker` subprocesses, exactly as in production, each in its own
process group so a test can SIGKILL one the way an OOM killer or a lost node would.
Import the fixtures into a test module to use them.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis

from tests.conftest import TEST_APPID, TEST_SECRET, service_missing

ROOT = Path(__file__).resolve().parents[1]
REDIS_SERVER = "/usr/bin/redis-server"


def wait_until(predicate, timeout=20, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ping(port):
    try:
        return Redis(port=port, socket_connect_timeout=0.2).ping()
    except Exception:
        return False


@pytest.fixture
def own_redis_server(tmp_path):
    """A Redis server of this test's own, so it can be stopped, started and flushed."""
    if not os.path.exists(REDIS_SERVER):
        service_missing("needs redis-server to stop and restart Redis")
    port = free_port()

    def start():
        process = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--dir", str(tmp_path)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(lambda: ping(port), timeout=10)
        return process

    server = {"process": start(), "url": f"redis://127.0.0.1:{port}/0", "start": start}
    yield server
    server["process"].kill()
    server["process"].wait()


def worker_env(database_url, redis_url, upload_root, wechat_server):
    return {**os.environ, "FLASK_APP": "wsgi.py", "MICROGRID_ENV": "development",
            "DATABASE_URL": database_url, "REDIS_URL": redis_url, "UPLOAD_DIR": upload_root,
            "WECHAT_APPID": TEST_APPID, "WECHAT_SECRET": TEST_SECRET,
            "WECHAT_API_BASE": wechat_server.base_url, "SWEEP_INTERVAL_SECONDS": "3600"}


@pytest.fixture
def start_worker(test_database_url, upload_root, wechat_server):
    """start(redis_url, burst=True, sweep=False, extra_env=None) -> the worker's Popen."""
    started = []

    def start(redis_url, burst=True, sweep=False, extra_env=None, log=None):
        env = {**worker_env(test_database_url, redis_url, upload_root, wechat_server), **(extra_env or {})}
        command = [sys.executable, "-m", "flask", "worker", "--sweep" if sweep else "--no-sweep"]
        process = subprocess.Popen(command + (["--burst"] if burst else []), cwd=ROOT, env=env,
                                   stdout=log or subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        started.append(process)
        return process

    yield start
    for process in started:
        kill(process)


def kill(process):
    """SIGKILL the worker's whole process group: no cleanup, no goodbye, as in a crash."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def finish(process, timeout=60):
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output.decode(errors="replace")
