"""Security headers on every answer (app/core/security.py): a CSP without inline code on
pages, nothing at all for everything else, no framing, no sniffing, HSTS over HTTPS."""
import re
from pathlib import Path

import pytest

from app.core.extensions import limiter
from app.core.security import page_policy, tile_sources

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "web" / "templates"


def directives(answer):
    policy = answer.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_every_page_has_a_csp_without_inline_code_and_cannot_be_framed(client):
    answer = client.get("/inbox/login")
    policy = directives(answer)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe" not in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/no-such-thing", "/inbox/static/web.js"])
def test_everything_that_is_not_a_page_gets_a_policy_that_allows_nothing(client, path):
    answer = client.get(path)
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_error_pages_carry_the_headers_too(client):
    answer = client.get("/inbox/no-such-page")
    assert answer.status_code == 404
    assert directives(answer)["script-src"] == "'self'"


def test_map_tiles_and_data_uris_are_the_only_outside_images_of_a_page(client):
    assert directives(client.get("/inbox/login"))["img-src"] == "'self' data: https://tile.openstreetmap.org"


def test_a_tile_servers_subdomain_letters_become_a_wildcard():
    assert tile_sources("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}") == [
        "https://*.is.autonavi.com"]
    assert tile_sources("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == ["https://*.tile.openstreetmap.org"]
    assert tile_sources("http://127.0.0.1:9/{z}/{x}/{y}.png") == ["http://127.0.0.1:9"]


def test_photos_in_s3_are_allowed_from_the_storage_endpoint(app):
    config = {**app.config, "STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": "https://cos.ap-shanghai.myqcloud.com"}
    assert "https://cos.ap-shanghai.myqcloud.com" in page_policy(config)


def test_hsts_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_forwarded_headers_are_believed_only_from_as_many_proxies_as_configured(make_app):
    https = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in make_app().test_client().get("/healthz", headers=https).headers
    behind_nginx = make_app(TRUSTED_PROXIES=1).test_client()
    assert "Strict-Transport-Security" in behind_nginx.get("/healthz", headers=https).headers


def test_behind_a_trusted_proxy_each_client_address_has_its_own_sign_in_limit(make_app, world):
    client = make_app(TRUSTED_PROXIES=1, AUTH_RATE_LIMIT="2 per minute").test_client()
    limiter.reset()

    def sign_in_from(address):
        return client.post("/api/v1/auth/staff", json={"username": "nobody", "password": "x"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [sign_in_from("198.51.100.1") for _ in range(3)] == [401, 401, 429]
    assert sign_in_from("198.51.100.2") == 401
    limiter.reset()


def test_no_template_has_inline_scripts_styles_or_event_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=|hx-on|javascript:", text):
            offenders.append(path.name)
    assert offenders == []
