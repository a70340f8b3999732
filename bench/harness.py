"""What the service benchmarks share: their own PostgreSQL database and Redis db, the app's
CLI and gunicorn as subprocesses, and a small asyncio HTTP/1.1 client for the load.

Never the `test` database or Redis db 15 (the test suite's): each benchmark creates its
own database (bench_*), uses Redis db 7, and drops / flushes them when it ends.
"""
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_URL = "redis://127.0.0.1:6379/7"
FORBIDDEN_DATABASES = {"test", "postgres", "template0", "template1"}


# ------------------------------------------------------------------ machine and figures


def machine(libraries=""):
    """CPU, memory and Python, plus the versions a benchmark depends on."""
    model, mem = "?", "?"
    try:
        model = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
        mem_kb = next(int(ln.split()[1]) for ln in open("/proc/meminfo") if ln.startswith("MemTotal"))
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    described = f"nproc {os.cpu_count()} ({model}), {mem} RAM, Python {platform.python_version()}"
    return f"{described}, {libraries}" if libraries else described


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def now_utc():
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())


def percentile(values, p):
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def cpu_seconds(pids):
    """utime + stime of these processes (Linux /proc), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def children_of(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# ------------------------------------------------------------------ PostgreSQL and Redis


def database_url(name):
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def _pg(*args):
    return subprocess.run([*args, "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER],
                          check=True, capture_output=True, text=True)


def create_database(name):
    if name in FORBIDDEN_DATABASES or not name.startswith("bench_"):
        raise SystemExit(f"refusing to use database {name!r}: benchmarks use their own bench_* database")
    drop_database(name)
    _pg("createdb", name)


def drop_database(name):
    if name in FORBIDDEN_DATABASES or not name.startswith("bench_"):
        raise SystemExit(f"refusing to drop database {name!r}")
    subprocess.run(["dropdb", "--if-exists", "--force", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, name],
                   check=False, capture_output=True, text=True)


def psql(name, sql):
    return subprocess.run(["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", name, "-v",
                           "ON_ERROR_STOP=1", "-qAtc", sql], check=True, capture_output=True, text=True).stdout


def postgres_version():
    try:
        return psql("postgres", "SHOW server_version").strip()
    except (subprocess.CalledProcessError, OSError):
        return "?"


def flush_redis():
    from redis import Redis

    assert REDIS_URL.endswith("/7")
    Redis.from_url(REDIS_URL).flushdb()


# ------------------------------------------------------------------ the app as subprocesses


def app_env(db_name, upload_dir, **extra):
    env = {**os.environ, "FLASK_APP": "wsgi.py", "MICROGRID_ENV": "development",
           "DATABASE_URL": database_url(db_name), "REDIS_URL": REDIS_URL, "UPLOAD_DIR": str(upload_dir),
           "RQ_QUEUE_NAME": "microgrid", "PYTHONUNBUFFERED": "1"}
    for key in ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_API_BASE", "FLASK_DEBUG"):
        env.pop(key, None)  # development's built-in fake WeChat, never a real one
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask(args, env, timeout=600):
    out = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return out.stdout


MISSING_TABLES_SNIPPET = """
import json
from sqlalchemy import inspect
from app import create_app
from app.core.extensions import db
app = create_app()
with app.app_context():
    present = set(inspect(db.engine).get_table_names())
    missing = sorted(t for t in db.metadata.tables if t not in present)
    if missing:
        db.create_all()
    print(json.dumps(missing))
"""


def prepare_database(env, demo=True):
    """`flask db upgrade` then `flask demo`. Tables the migrations do not create yet are made
    with create_all (and returned, so the report can say the migrations lag the models)."""
    flask(["db", "upgrade"], env)
    out = subprocess.run([sys.executable, "-c", MISSING_TABLES_SNIPPET], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300, check=True)
    missing = json.loads(out.stdout.strip().splitlines()[-1])
    if demo:
        flask(["demo"], env)
    return missing


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn (or any server command) in its own process group, on loopback."""

    def __init__(self, args, env, port, log_path):
        self.port = port
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, path="/healthz", timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log.name}")
            try:
                status, _ = asyncio.run(one_request("127.0.0.1", self.port, get(path)))
                if status in (200, 503):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout}s; see {self.log.name}")

    def pids(self):
        return [self.process.pid, *children_of(self.process.pid)]

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def gunicorn_args(port, workers, threads, worker_class="gthread"):
    args = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", str(workers), "-k", worker_class,
            "--graceful-timeout", "5", "--keep-alive", "30", "--log-level", "warning"]
    if worker_class == "gthread":
        args += ["--threads", str(threads)]
    return args + ["wsgi:app"]


def start_worker(env, log_path, sweep=True):
    args = [sys.executable, "-m", "flask", "worker"] + ([] if sweep else ["--no-sweep"])
    return Server(args, env, None, log_path)


# ------------------------------------------------------------------ data through the app itself


def bench_app(db_name, upload_dir):
    """An app object in this process, pointed at the benchmark's database (for setup only)."""
    from app import create_app

    return create_app("development", {
        "SQLALCHEMY_DATABASE_URI": database_url(db_name), "REDIS_URL": REDIS_URL, "UPLOAD_DIR": str(upload_dir),
    })


def make_users_with_tokens(app, count, prefix):
    """Residents with a token each, made with the app's own services (not through WeChat)."""
    from app.accounts.models import User
    from app.accounts.tokens import issue_token
    from app.core.clock import utcnow
    from app.core.extensions import db

    with app.app_context():
        users = [User(openid=f"{prefix}-{uuid.uuid4().hex[:12]}") for _ in range(count)]
        db.session.add_all(users)
        db.session.flush()
        tokens = [issue_token(user=u, now=utcnow(), ttl_seconds=6 * 3600)[0] for u in users]
        db.session.commit()
        return tokens


def token_for_username(app, username):
    from sqlalchemy import select

    from app.accounts.models import User
    from app.accounts.tokens import issue_token
    from app.core.clock import utcnow
    from app.core.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        token = issue_token(user=user, now=utcnow(), ttl_seconds=6 * 3600)[0]
        db.session.commit()
        return token


def grid_sampler(app, seed=1):
    """Random GCJ-02 points inside the demo grid's cells, and the active category codes."""
    import numpy as np
    import shapely

    from app.catalog.models import Category
    from app.core.extensions import db
    from app.grid import datum, service

    with app.app_context():
        index = service.cell_index()
        categories = sorted(c.code for c in db.session.query(Category).filter_by(active=True))
    polygons = index.polygons
    coverage = shapely.union_all(polygons)
    shapely.prepare(coverage)
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = coverage.bounds

    def points(count, spacing_m=0):
        """GCJ-02 (lat, lng) pairs; with spacing_m, no two closer than that (no duplicates merge)."""
        chosen, cells = [], {}
        while len(chosen) < count:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not shapely.contains_xy(coverage, x, y):
                continue
            key = (round(y * 111_320 / max(spacing_m, 1)), round(x * 95_600 / max(spacing_m, 1)))
            if spacing_m and any((key[0] + a, key[1] + b) in cells for a in (-1, 0, 1) for b in (-1, 0, 1)):
                continue
            cells[key] = True
            chosen.append(datum.to_gcj02(y, x))
        return chosen

    return points, categories


# ------------------------------------------------------------------ HTTP/1.1 over asyncio


def get(path, headers=None):
    return _request("GET", path, headers or {}, b"")


def post_json(path, payload, headers=None):
    body = json.dumps(payload, ensure_ascii=False).encode()
    return _request("POST", path, {"Content-Type": "application/json", **(headers or {})}, body)


def post_file(path, field, filename, content_type, data, headers=None):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return _request("POST", path, {"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})},
                    body)


def _request(method, path, headers, body):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def send(self, raw):
        """(status, body) of one request; reconnects once if the server closed the connection."""
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(raw)
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise

    async def _response(self):
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed by server")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def one_request(host, port, raw):
    connection = Connection(host, port)
    try:
        return await connection.send(raw)
    finally:
        connection.close()


async def closed_loop(port, requests, concurrency):
    """Send every request, `concurrency` at a time on keep-alive connections.
    Returns [(start, end, status, body)] in request order (perf_counter seconds)."""
    results = [None] * len(requests)
    next_index = iter(range(len(requests)))

    async def client():
        connection = Connection("127.0.0.1", port)
        for i in next_index:
            start = time.perf_counter()
            status, body = await connection.send(requests[i])
            results[i] = (start, time.perf_counter(), status, body)
        connection.close()

    await asyncio.gather(*(client() for _ in range(min(concurrency, len(requests)))))
    return results


async def open_loop(port, requests, rate, max_connections=256, on_response=None):
    """Send request i at t0 + i/rate whatever the answers do (no coordinated omission):
    latency counts from the scheduled moment. Returns [(scheduled, end, status, body)]."""
    results = [None] * len(requests)
    idle = []
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter() + 0.05
    limit = asyncio.Semaphore(max_connections)

    async def one(i):
        scheduled = t0 + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        async with limit:
            connection = idle.pop() if idle else Connection("127.0.0.1", port)
            status, body = await connection.send(requests[i])
            end = time.perf_counter()
            idle.append(connection)
        results[i] = (scheduled, end, status, body)
        if on_response is not None:
            on_response(i, end, status, body)

    del loop
    await asyncio.gather(*(one(i) for i in range(len(requests))))
    for connection in idle:
        connection.close()
    return results


def latency_summary(results, ok_status):
    latencies = [(end - start) * 1000 for start, end, status, _ in results if status == ok_status]
    wall = max(r[1] for r in results) - min(r[0] for r in results)
    bad = [status for _, _, status, _ in results if status != ok_status]
    return {"n": len(results), "ok": len(latencies), "bad": len(bad), "bad_statuses": sorted(set(bad)),
            "wall_s": wall, "per_s": len(latencies) / wall if wall > 0 else float("nan"),
            "p50": percentile(latencies, 50), "p90": percentile(latencies, 90), "p99": percentile(latencies, 99),
            "max": max(latencies) if latencies else float("nan")}


def tmp_uploads(name):
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"{name}-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
