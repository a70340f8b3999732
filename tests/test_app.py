"""The app shell: health, JSON errors for every failure, configuration by environment."""
import pytest

from app import create_app


def test_health_reports_database_ok_and_inline_queue(client):
    for path in ("/healthz", "/readyz"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.json["status"] == "ok"
        assert answer.json["database"] == "ok"
        assert answer.json["queue"] == "inline"


def test_health_checks_redis_when_it_is_configured(make_app, redis_url):
    client = make_app(REDIS_URL=redis_url).test_client()
    for path in ("/healthz", "/readyz"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.json["queue"] == "ok"


def test_with_redis_down_the_node_stays_ready_and_alive_but_degraded(make_app):
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    for path in ("/healthz", "/readyz"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert (answer.json["status"], answer.json["queue"], answer.json["database"]) == ("degraded", "down", "ok")


def test_with_the_database_down_the_node_is_not_ready_yet_still_alive(make_app):
    client = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none").test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert (ready.json["status"], ready.json["database"]) == ("unavailable", "down")
    alive = client.get("/healthz")
    assert alive.status_code == 200
    assert (alive.json["status"], alive.json["database"]) == ("degraded", "down")


def test_a_readiness_check_added_to_the_list_shows_up_and_counts(client, monkeypatch):
    from app.ops import health

    monkeypatch.setattr(health, "READINESS_CHECKS",
                        [*health.READINESS_CHECKS, lambda: health.Check("calendar", "unknown_year")])
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert (answer.json["status"], answer.json["calendar"]) == ("degraded", "unknown_year")


@pytest.fixture
def app_with_test_routes(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)

    @app.post("/test/echo")
    def echo():
        from flask import request

        return {"size": len(request.get_data())}

    @app.get("/test/boom")
    def boom():
        raise RuntimeError("secret internals")

    return app


def assert_json_error(answer, status, code):
    assert answer.status_code == status
    assert answer.is_json
    assert answer.json["error"]["code"] == code
    assert answer.json["error"]["message"]
    assert answer.json["error"]["fields"] == {}


def test_an_unknown_path_is_a_json_404(client):
    assert_json_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_json_405_with_allow(client):
    answer = client.delete("/healthz")
    assert_json_error(answer, 405, "method_not_allowed")
    assert "GET" in answer.headers["Allow"]


def test_a_body_over_the_limit_is_a_json_413(app_with_test_routes):
    answer = app_with_test_routes.test_client().post("/test/echo", data=b"x" * 2048)
    assert_json_error(answer, 413, "payload_too_large")


def test_an_unexpected_exception_is_a_json_500_without_internals(app_with_test_routes):
    app_with_test_routes.testing = False  # let the handler answer instead of re-raising
    answer = app_with_test_routes.test_client().get("/test/boom")
    assert_json_error(answer, 500, "internal_error")
    assert "secret internals" not in answer.get_data(as_text=True)


def test_production_refuses_to_start_without_its_secrets(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "WECHAT_APPID", "WECHAT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    with pytest.raises(RuntimeError, match="DATABASE_URL, WECHAT_APPID, WECHAT_SECRET"):
        create_app("production")


def test_an_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="MICROGRID_ENV"):
        create_app("staging")


def test_development_defaults_to_sqlite_under_instance_and_inline_jobs(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "WECHAT_APPID"):
        monkeypatch.delenv(name, raising=False)
    app = create_app("development", {"USE_FAKE_WECHAT": False})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/microgrid.db")
    assert app.config["REDIS_URL"] is None


def test_each_app_keeps_its_own_wechat_queue_and_storage(client, make_app, world):
    # A second app in the same process (a worker beside a web app, or another test)
    # must not take over the first one's connections.
    other = make_app(WECHAT_API_BASE="http://127.0.0.1:1/", REDIS_URL="redis://127.0.0.1:1/0",
                     UPLOAD_DIR="/nonexistent")
    with other.app_context():
        from app.core.extensions import queue, storage

        assert not queue.is_inline
        assert str(storage.get().root) == "/nonexistent"
    answer = client.post("/api/v1/auth/wechat", json={"code": "isolation-1"})
    assert answer.status_code == 200
    from app.core.extensions import queue

    assert queue.is_inline


def test_readiness_warns_while_next_years_holidays_are_not_entered(client, monkeypatch):
    from app.ops import health
    from tests.cases.conftest import beijing

    monkeypatch.setattr(health, "utcnow", lambda: beijing(2026, 11, 2, 9))
    answer = client.get("/readyz")

    assert answer.status_code == 200 and answer.json["status"] == "ok"
    assert answer.json["calendar"] == "warning"
    assert any("2027年法定节假日安排尚未录入" in w for w in answer.json["warnings"])


def test_readiness_has_no_calendar_warning_in_october(client, monkeypatch):
    from app.ops import health
    from tests.cases.conftest import beijing

    monkeypatch.setattr(health, "utcnow", lambda: beijing(2026, 10, 31, 9))
    answer = client.get("/readyz")

    assert answer.json["calendar"] == "ok" and answer.json["warnings"] == []


def test_readiness_warns_of_notices_sent_with_an_unknown_outcome(client, world, wechat_server):
    from app.core.extensions import db
    from app.notifications.models import Notification
    from tests.notifications.rows import make_reporter

    user = make_reporter(wechat_server)
    db.session.add(Notification(user_id=user.id, recipient="o-x", template="report_status", payload={},
                                dedupe_key="k1", status="unknown"))
    db.session.commit()
    answer = client.get("/readyz")

    assert answer.json["notifications"] == "warning"
    assert any("1 条通知发送结果未知" in w for w in answer.json["warnings"])
