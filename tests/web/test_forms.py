"""The web inbox's sign-in form, CSRF protection and HTML error pages (test client)."""
import re

import pytest

from app.core.extensions import db
from app.web.auth import SESSION_ID_KEY
from app.web.csrf import SESSION_KEY
from tests.factories import make_staff

PASSWORD = "correct-horse-battery"  # make_staff's default


def token_from(page_html):
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def test_the_login_page_is_a_chinese_form_with_a_csrf_hidden_field(client):
    answer = client.get("/inbox/login")
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    html = answer.text
    assert '<html lang="zh-CN">' in html
    for text in ("用户名", "密码", "登录", "金山微网格 · 街镇网格化中心"):
        assert text in html
    with client.session_transaction() as session:
        assert token_from(html) == session[SESSION_KEY]


def test_a_post_without_the_csrf_token_is_refused_with_an_html_400(client):
    client.get("/inbox/login")
    answer = client.post("/inbox/login", data={"username": "staff", "password": "secret"})
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"
    assert "请刷新页面后重试" in answer.text


def test_a_post_with_a_forged_csrf_token_is_refused(client):
    client.get("/inbox/login")
    for forged in ("not-the-token", "伪造"):
        answer = client.post("/inbox/login", data={"csrf_token": forged, "username": "a", "password": "b"})
        assert answer.status_code == 400


def test_a_post_before_any_page_was_seen_is_refused(client):
    assert client.post("/inbox/login", data={"csrf_token": "", "username": "a"}).status_code == 400


def test_wrong_credentials_show_the_form_again_with_an_error(client):
    token = token_from(client.get("/inbox/login").text)
    answer = client.post("/inbox/login", data={"csrf_token": token, "username": "zhang", "password": "wrong"})
    assert answer.status_code == 200
    assert "用户名或密码错误" in answer.text
    assert 'value="zhang"' in answer.text


@pytest.fixture
def zhang(world):
    user = make_staff(username="zhang")
    db.session.commit()
    return user


def test_staff_sign_in_and_the_cookie_carries_only_a_session_id(client, zhang):
    token = token_from(client.get("/inbox/login").text)
    answer = client.post(
        "/inbox/login", data={"csrf_token": token, "username": " zhang ", "password": PASSWORD, "next": "/inbox/"}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/inbox/"
    with client.session_transaction() as session:
        assert set(session) <= {SESSION_ID_KEY, SESSION_KEY, "_flashes"}
        assert len(session[SESSION_ID_KEY]) >= 40
        assert session.get(SESSION_KEY) != token  # signing in starts a fresh session
    assert "zhang" in client.get("/inbox/").text


def test_after_sign_in_next_never_leads_off_the_inbox(client, zhang):
    token = token_from(client.get("/inbox/login").text)
    answer = client.post(
        "/inbox/login",
        data={"csrf_token": token, "username": "zhang", "password": PASSWORD, "next": "//evil.example/inbox"},
    )
    assert answer.headers["Location"] == "/inbox/"


def test_the_inbox_home_sends_a_stranger_to_sign_in(client):
    answer = client.get("/inbox/")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/inbox/login?next=/inbox/"


def test_htmx_requests_may_send_the_token_as_a_header(client, zhang):
    login_token = token_from(client.get("/inbox/login").text)
    client.post("/inbox/login", data={"csrf_token": login_token, "username": "zhang", "password": PASSWORD})
    token = token_from(client.get("/inbox/").text)
    assert client.post("/inbox/logout").status_code == 400
    answer = client.post("/inbox/logout", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert answer.status_code == 302
    assert client.get("/inbox/").status_code == 302


def test_an_unknown_inbox_path_is_an_html_404_while_the_api_stays_json(client):
    page = client.get("/inbox/no-such-page")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "页面不存在" in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json["error"]["code"] == "not_found"


def test_a_wrong_method_under_the_inbox_is_an_html_405(client):
    answer = client.put("/inbox/login")
    assert answer.status_code == 405
    assert answer.mimetype == "text/html"
    assert "POST" in answer.headers["Allow"]


def test_the_inbox_without_a_slash_still_redirects(client):
    answer = client.get("/inbox")
    assert answer.status_code == 308
    assert answer.headers["Location"].endswith("/inbox/")


@pytest.fixture
def app_with_failing_view(make_app):
    app = make_app()

    def boom():
        raise RuntimeError("secret internals")

    # An endpoint named "web.…" belongs to the web blueprint, as its own views do.
    app.add_url_rule("/inbox/test-boom", "web.test_boom", boom)
    app.add_url_rule("/api/v1/test-boom", "test_boom", boom)
    return app


def test_a_crash_in_a_web_view_is_an_html_500_without_internals(app_with_failing_view):
    client = app_with_failing_view.test_client()
    page = client.get("/inbox/test-boom")
    assert page.status_code == 500
    assert page.mimetype == "text/html"
    assert "服务器内部错误" in page.text
    assert "secret internals" not in page.text
    assert client.get("/api/v1/test-boom").json["error"]["code"] == "internal_error"
