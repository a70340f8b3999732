"""Starting the service: no public fallback secret, and no development default served to
other machines by accident (config.py, wsgi.py, bin/dev)."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from config import development_secret_key, refuse_implicit_development

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://", "WECHAT_APPID": "wxreal",
              "WECHAT_SECRET": "real", "WECHAT_PUSH_TOKEN": "push-token-from-the-console"}


@pytest.fixture
def production_env(monkeypatch):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def without_microgrid_env(**extra):
    env = {name: value for name, value in os.environ.items() if name != "MICROGRID_ENV"}
    return {**env, **extra}


def test_production_starts_with_its_secrets(production_env):
    assert create_app("production").config["SECRET_KEY"] == "k" * 40


def test_production_refuses_to_start_without_a_push_token(production_env):
    production_env.delenv("WECHAT_PUSH_TOKEN")
    with pytest.raises(RuntimeError, match="missing: WECHAT_PUSH_TOKEN"):
        create_app("production")


def test_production_refuses_to_start_without_a_secret_key(production_env):
    production_env.delenv("SECRET_KEY")
    with pytest.raises(RuntimeError, match="missing: SECRET_KEY"):
        create_app("production")


def test_production_refuses_a_secret_key_too_short_to_be_secret(production_env):
    production_env.setenv("SECRET_KEY", "dev-only-not-secret")
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        create_app("production")


def test_production_sends_the_session_cookie_over_https_only(production_env):
    assert create_app("production").config["SESSION_COOKIE_SECURE"] is True


def test_development_makes_its_own_secret_key_once_and_keeps_it_to_its_owner(tmp_path):
    path = tmp_path / "instance" / "secret_key"
    key = development_secret_key(path)
    assert len(key) >= 32
    assert development_secret_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert development_secret_key(tmp_path / "elsewhere") != key  # no key is shared between checkouts


def test_development_without_a_secret_key_uses_the_instance_key_not_a_public_one(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first, second = create_app("development"), create_app("development")
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["SECRET_KEY"] == (ROOT / "instance" / "secret_key").read_text().strip()
    assert first.config["SECRET_KEY"] != "dev-only-not-secret"


def test_an_unnamed_environment_may_listen_on_loopback_only(monkeypatch):
    monkeypatch.delenv("MICROGRID_ENV", raising=False)
    for host in ("127.0.0.1", "localhost", "::1", "[::1]"):
        refuse_implicit_development(host)
    for host in ("0.0.0.0", "::", "192.0.2.10", None):
        with pytest.raises(RuntimeError, match="MICROGRID_ENV is not set"):
            refuse_implicit_development(host)
    monkeypatch.setenv("MICROGRID_ENV", "development")
    refuse_implicit_development("0.0.0.0")  # said on purpose


def test_gunicorn_refuses_to_serve_when_microgrid_env_is_unset():
    gunicorn = [sys.executable, "-m", "gunicorn", "--check-config", "-b", "127.0.0.1:0", "wsgi:app"]
    refused = subprocess.run(gunicorn, cwd=ROOT, env=without_microgrid_env(), capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0
    assert "MICROGRID_ENV is not set" in refused.stdout + refused.stderr
    named = subprocess.run(gunicorn, cwd=ROOT, env=without_microgrid_env(MICROGRID_ENV="development"),
                           capture_output=True, text=True, timeout=60)
    assert named.returncode == 0, named.stderr


def test_flask_run_on_a_public_address_refuses_an_unnamed_environment():
    command = [sys.executable, "-m", "flask", "run", "--no-reload", "--host", "0.0.0.0", "--port", "0"]
    process = subprocess.Popen(command, cwd=ROOT, env=without_microgrid_env(FLASK_APP="wsgi.py"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()  # only if it started serving, which is the failure this test is about
    assert process.returncode != 0
    assert "MICROGRID_ENV is not set" in output


def test_bin_dev_refuses_a_public_host_before_installing_anything():
    refused = subprocess.run(["bash", "bin/dev"], cwd=ROOT, env=without_microgrid_env(HOST="0.0.0.0"),
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1
    assert "set MICROGRID_ENV=development" in refused.stderr
