"""The sign-in form shares the API's per-account delays and tells the owner of failed attempts."""
import re

from app.core.clock import local_text
from app.core.extensions import db, limiter

PASSWORD = "correct-horse-battery"  # make_staff's default


def form_sign_in(client, password, username="zhang", follow=False):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/inbox/login").text).group(1)
    return client.post("/inbox/login", data={"csrf_token": token, "username": username, "password": password},
                       follow_redirects=follow)


def test_after_repeated_wrong_passwords_the_form_asks_to_wait_with_a_429(client, zhang):
    assert [form_sign_in(client, "wrong").status_code for _ in range(5)] == [200] * 5
    answer = form_sign_in(client, PASSWORD)
    assert answer.status_code == 429
    assert "登录失败次数过多，请 2 秒后再试" in answer.text
    assert int(answer.headers["Retry-After"]) >= 1
    assert 'value="zhang"' in answer.text


def test_the_form_and_the_api_count_the_same_failures(client, zhang):
    for _ in range(3):
        client.post("/api/v1/auth/staff", json={"username": "zhang", "password": "wrong"})
    for _ in range(2):
        form_sign_in(client, "wrong")
    assert form_sign_in(client, PASSWORD).status_code == 429


def test_after_signing_in_the_owner_is_told_how_many_attempts_failed_and_when(client, zhang):
    for _ in range(3):
        form_sign_in(client, "wrong")
    db.session.refresh(zhang)
    last_failure = local_text(zhang.last_failed_login_at)
    page = form_sign_in(client, PASSWORD, follow=True)
    assert page.status_code == 200
    assert f"最近有 3 次失败的登录尝试，最近一次在 {last_failure}" in page.text
    assert "最近有" not in client.get("/inbox/").text  # told once


def test_the_sign_in_form_is_limited_per_address_too(make_app, world):
    limited = make_app(AUTH_RATE_LIMIT="3 per minute")
    limiter.reset()
    client = limited.test_client()
    answers = [form_sign_in(client, "wrong", username="nobody") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1].mimetype == "text/html" and "操作过于频繁" in answers[-1].text
    limiter.reset()
