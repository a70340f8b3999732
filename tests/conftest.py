"""Shared fixtures: the app on a clean database per test, and the real services.

The suite runs on SQLite by default. With DATABASE_URL pointing at PostgreSQL (as
.ci/run does), every test runs there instead. Tests that need PostgreSQL or Redis
themselves ask for `postgres_url` / `redis_url`: they skip with the reason on a
machine without those services, and fail instead of skipping when
MICROGRID_REQUIRE_SERVICES=1 (set by .ci/run), so CI can never pass by skipping.
"""
import os
import tempfile
import uuid

import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import create_engine, text

from app import create_app
from app.core.extensions import db
from app.grid import service as grid_service
from app.storage import make_storage

REQUIRE_SERVICES = os.environ.get("MICROGRID_REQUIRE_SERVICES") == "1"


def service_missing(reason):
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MICROGRID_REQUIRE_SERVICES=1: service-backed tests must run)")
    pytest.skip(reason)


def database_url():
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    path = os.path.join(tempfile.mkdtemp(prefix="microgrid-test-"), "test.db")
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def test_database_url():
    return database_url()


@pytest.fixture(scope="session")
def postgres_url(test_database_url):
    """A reachable PostgreSQL URL (the suite's own database when it is PostgreSQL)."""
    url = test_database_url if test_database_url.startswith("postgresql") else os.environ.get("TEST_POSTGRES_URL")
    if not url:
        service_missing("needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://user@host/db")
    try:
        with create_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        service_missing(f"PostgreSQL at DATABASE_URL is unreachable: {exc.__class__.__name__}")
    return url


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        service_missing("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        service_missing(f"Redis at REDIS_URL is unreachable: {exc.__class__.__name__}")
    return url


# ---- a real S3-compatible server on loopback (moto's standalone server) ----

@pytest.fixture(scope="session")
def s3_endpoint_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_config(s3_endpoint_url):
    config = {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": s3_endpoint_url,
        "S3_BUCKET": f"microgrid-test-{uuid.uuid4().hex[:8]}",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "test-key",
        "S3_SECRET_ACCESS_KEY": "test-secret",
    }
    make_storage(config).client.create_bucket(Bucket=config["S3_BUCKET"])
    return config



@pytest.fixture(scope="session")
def upload_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp("uploads"))


TEST_APPID = "wxtest00000000000001"
TEST_SECRET = "test-app-secret-9f8e7d"  # distinctive, so a leak is easy to spot


@pytest.fixture(scope="session")
def wechat_server():
    """The fake WeChat API, a real HTTP server that wechatpy talks to."""
    from wechat.fake.server import FakeWeChatServer

    with FakeWeChatServer(TEST_APPID, TEST_SECRET) as server:
        yield server


@pytest.fixture(scope="session")
def make_app(test_database_url, upload_root, wechat_server):
    """Build an app on the suite's database; tests pass overrides for what they need."""

    def factory(**overrides):
        config = {
            "SQLALCHEMY_DATABASE_URI": test_database_url,
            "UPLOAD_DIR": upload_root,
            "WECHAT_APPID": TEST_APPID,
            "WECHAT_SECRET": TEST_SECRET,
            "WECHAT_API_BASE": wechat_server.base_url,
            **overrides,
        }
        return create_app("testing", config)

    return factory


@pytest.fixture(scope="session")
def base_app(make_app):
    app = make_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


@pytest.fixture
def app(base_app):
    with base_app.app_context():
        yield base_app
        db.session.remove()
        empty_all_tables()
    grid_service._index_cache.clear()


def empty_all_tables():
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def fake_wechat(wechat_server):
    """The session's fake WeChat with its records of earlier tests' calls cleared.

    (tests/wechat has its own fake_wechat: a fresh server per test.)"""
    for record in (wechat_server.requests, wechat_server.sent_messages, wechat_server.media_checks):
        record.clear()
    return wechat_server


@pytest.fixture(autouse=True)
def no_leftover_wechat_failures(request):
    """An injected failure a test did not consume must not hit the next test."""
    yield
    if "wechat_server" in request.fixturenames:
        request.getfixturevalue("wechat_server").clear_injections()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """The small fixed world: reference data and two streets with a few cells each."""
    from tests.factories import build_world

    return build_world()
