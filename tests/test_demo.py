"""The newcomer's path: development defaults with the built-in fake WeChat and demo data."""
from app import create_app
from app.core.extensions import db


def test_flask_demo_builds_the_grid_and_demo_staff_who_can_sign_in(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "892 cells" in result.output
    assert "zhujing (staff)" in result.output
    answer = app.test_client().post("/api/v1/auth/staff",
                                    json={"username": "zhujing", "password": "jinshan-demo"})
    assert answer.status_code == 200
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0  # safe to run again


def test_development_without_an_app_id_signs_in_through_the_built_in_fake_wechat(
        monkeypatch, test_database_url, world):
    monkeypatch.delenv("WECHAT_APPID", raising=False)
    dev = create_app("development", {"SQLALCHEMY_DATABASE_URI": test_database_url})
    assert dev.config["USE_FAKE_WECHAT"] is True
    answer = dev.test_client().post("/api/v1/auth/wechat", json={"code": "dev-code-1"})
    assert answer.status_code == 200, answer.json
    assert answer.json["user"]["roles"] == ["resident"]
    with dev.app_context():
        db.session.remove()


def test_production_never_uses_the_fake(monkeypatch):
    for name, value in {"SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://",
                        "WECHAT_APPID": "wxreal", "WECHAT_SECRET": "real", "WECHAT_PUSH_TOKEN": "t"}.items():
        monkeypatch.setenv(name, value)
    assert create_app("production").config["USE_FAKE_WECHAT"] is False
