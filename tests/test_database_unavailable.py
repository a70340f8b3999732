"""A database that is down or restarting is a 503 with Retry-After, never a 500, and the
app recovers by itself once it is back (pool_pre_ping, and a rolled-back session).

"Down" is a PostgreSQL URL on a closed port. "Restart" is the real thing for one
connection: its backend terminated with pg_terminate_backend() from another
connection, as a server restart terminates every backend.
"""
import re

import pytest
from sqlalchemy import create_engine, event, func, select, text

from app.core.extensions import db
from app.photos.models import Photo
from tests.factories import STREET_A, auth, make_resident
from tests.reports.conftest import jpeg_bytes, upload

NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:9/microgrid"  # the discard port: nothing listens


@pytest.fixture
def down_app(make_app):
    down = make_app(SQLALCHEMY_DATABASE_URI=NOWHERE)
    yield down
    with down.app_context():
        db.engine.dispose()


def assert_unavailable(answer):
    assert answer.status_code == 503
    # At least our 5 s; on rate-limited endpoints Flask-Limiter keeps the later of its window and ours.
    assert int(answer.headers["Retry-After"]) >= 5


def test_a_public_read_with_the_database_down_is_a_503_with_retry_after(down_app):
    answer = down_app.test_client().get(f"/api/v1/grid/units/{STREET_A}")
    assert_unavailable(answer)
    assert answer.get_json()["error"]["code"] == "database_unavailable"


def test_a_signed_in_request_with_the_database_down_is_a_503(down_app):
    answer = down_app.test_client().get("/api/v1/me", headers={"Authorization": "Bearer some-token"})
    assert_unavailable(answer)


def test_the_staff_sign_in_with_the_database_down_is_a_503(down_app):
    answer = down_app.test_client().post("/api/v1/auth/staff", json={"username": "zhujing", "password": "pw"})
    assert_unavailable(answer)
    assert "数据库暂不可用" in answer.get_json()["error"]["message"]


def test_the_sign_in_page_with_the_database_down_is_an_html_503(down_app):
    client = down_app.test_client()
    form = client.get("/inbox/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post("/inbox/login", data={"csrf_token": token, "username": "zhujing", "password": "pw"})
    assert_unavailable(answer)
    assert answer.mimetype == "text/html"
    assert 'data-error="database_unavailable"' in answer.get_data(as_text=True)


# --- a real connection terminated ------------------------------------------------------------

@pytest.fixture
def pg_app(make_app, postgres_url, app):
    """An app of its own on the suite's PostgreSQL (`app` empties the tables afterwards),
    recording the backend pid of every connection its pool opens."""
    own = make_app()
    own.backend_pids = []
    with own.app_context():
        assert db.engine.dialect.name == "postgresql"
        event.listen(db.engine, "connect", lambda dbapi, _record: own.backend_pids.append(dbapi.info.backend_pid))
    yield own
    with own.app_context():
        db.engine.dispose()


def terminate(database_url, *pids):
    """What a restart does to a connection, done from another connection."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    engine.dispose()


def kill_before_inserting(app, table, database_url):
    """Terminate the request's own connection just before it inserts into `table`, once."""
    killed = []

    def before_execute(connection, cursor, statement, *args):
        if statement.startswith(f"INSERT INTO {table}") and not killed:
            killed.append(True)
            terminate(database_url, connection.connection.dbapi_connection.info.backend_pid)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before_execute)
    return killed


def photo_count():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Photo))


def test_after_its_connections_are_terminated_the_next_request_is_answered(pg_app, world, postgres_url):
    client = pg_app.test_client()
    assert client.get(f"/api/v1/grid/units/{STREET_A}").status_code == 200
    terminate(postgres_url, *pg_app.backend_pids)
    assert client.get(f"/api/v1/grid/units/{STREET_A}").status_code == 200  # pre-ping reconnected


def test_an_upload_whose_connection_dies_mid_request_is_a_503_and_the_next_upload_works(
        pg_app, world, postgres_url):
    user = make_resident("o-restart")
    headers = auth(user)
    killed = kill_before_inserting(pg_app, "photos", postgres_url)
    client = pg_app.test_client()

    answer = upload(client, user, jpeg_bytes(), headers=headers)

    assert killed and answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "database_unavailable"
    assert answer.headers["Retry-After"] == "5"
    assert photo_count() == 0
    assert upload(client, user, jpeg_bytes(), headers=headers).status_code == 201
    assert photo_count() == 1
