"""Staff web sessions live on the server: the cookie is only a random id, and ending the
session (sign-out, new password, disabled account, idle or too old) ends the cookie too."""
import re
from datetime import timedelta

from flask.sessions import SecureCookieSessionInterface

from app.accounts.models import WebSession
from app.core.clock import utcnow
from app.core.extensions import db
from tests.factories import auth, make_staff, signed_in_as

PASSWORD = "correct-horse-battery"  # make_staff's default


def csrf_token(client, path="/inbox/login"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def sign_in_with_the_form(client, username="zhang", password=PASSWORD):
    return client.post("/inbox/login", data={"csrf_token": csrf_token(client), "username": username,
                                             "password": password})


def session_cookie(client):
    return client.get_cookie("session").value


def replaying(app, cookie):
    """A second browser that carries a copy of someone's session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def is_sent_to_sign_in(answer):
    return answer.status_code == 302 and "/inbox/login" in answer.headers["Location"]


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, client, zhang):
    sign_in_with_the_form(client)
    copied = session_cookie(client)
    assert replaying(app, copied).get("/inbox/").status_code == 200
    client.post("/inbox/logout", data={"csrf_token": csrf_token(client, "/inbox/")})
    assert is_sent_to_sign_in(replaying(app, copied).get("/inbox/"))
    assert is_sent_to_sign_in(replaying(app, copied).get("/inbox/cases/"))


def test_a_cookie_forged_with_the_secret_key_but_no_session_gets_nowhere(app, world):
    admin = make_staff(None, role="admin", username="district")
    db.session.commit()
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    forged = signer.dumps({"staff_user_id": admin.id, "staff_username": "district", "web_session": "guessed"})
    assert is_sent_to_sign_in(replaying(app, forged).get("/inbox/cases/"))


def test_signing_out_ends_the_session_on_the_server(client, zhang):
    sign_in_with_the_form(client)
    client.post("/inbox/logout", data={"csrf_token": csrf_token(client, "/inbox/")})
    assert db.session.query(WebSession).filter(WebSession.revoked_at.is_(None)).count() == 0


def test_a_new_password_from_create_staff_signs_the_account_out_everywhere(app, client, zhang):
    signed_in_as(client, zhang)
    headers = auth(zhang)
    result = app.test_cli_runner().invoke(args=["users", "create-staff", "zhang", "--role", "staff",
                                                "--street", zhang.street_code, "--password", "a-new-password"])
    assert result.exit_code == 0, result.output
    assert is_sent_to_sign_in(client.get("/inbox/"))
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert sign_in_with_the_form(client, password="a-new-password").status_code == 302


def test_disabling_an_account_signs_it_out_everywhere(app, client, zhang):
    signed_in_as(client, zhang)
    headers = auth(zhang)
    result = app.test_cli_runner().invoke(args=["users", "disable", "zhang"])
    assert result.exit_code == 0, result.output
    assert is_sent_to_sign_in(client.get("/inbox/"))
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert "用户名或密码错误" in sign_in_with_the_form(client).text


def test_an_account_disabled_behind_the_apps_back_is_refused_all_the_same(client, zhang):
    signed_in_as(client, zhang)
    zhang.disabled = True
    db.session.commit()
    assert is_sent_to_sign_in(client.get("/inbox/"))


def test_a_session_left_idle_longer_than_the_setting_ends(app, client, zhang):
    idle = app.config["WEB_SESSION_IDLE_MINUTES"]
    signed_in_as(client, zhang, now=utcnow() - timedelta(minutes=idle + 1))
    assert is_sent_to_sign_in(client.get("/inbox/"))


def test_a_session_in_use_stays_alive_and_is_marked_as_seen(app, client, zhang):
    idle = app.config["WEB_SESSION_IDLE_MINUTES"]
    signed_in_as(client, zhang, now=utcnow() - timedelta(minutes=idle - 5))
    assert client.get("/inbox/").status_code == 200
    row = db.session.query(WebSession).one()
    db.session.refresh(row)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_no_session_outlives_its_absolute_lifetime_however_busy(app, client, zhang):
    hours = app.config["WEB_SESSION_MAX_HOURS"]
    signed_in_as(client, zhang, now=utcnow() - timedelta(hours=hours, minutes=1))
    row = db.session.query(WebSession).one()
    row.last_seen_at = utcnow()
    db.session.commit()
    assert is_sent_to_sign_in(client.get("/inbox/"))


def test_the_sweeper_forgets_sessions_a_day_past_any_lifetime(app, client, zhang):
    from app.jobs.sweeper import sweep_once

    hours = app.config["WEB_SESSION_MAX_HOURS"]
    signed_in_as(client, zhang, now=utcnow() - timedelta(hours=hours, days=1, minutes=1))
    signed_in_as(client, zhang, now=utcnow() - timedelta(hours=hours, minutes=1))  # dead, kept a day
    sweep_once(now=utcnow())
    assert db.session.query(WebSession).count() == 1


def test_only_the_hash_of_a_session_id_is_stored(client, zhang):
    sign_in_with_the_form(client)
    with client.session_transaction() as session:
        session_id = session["web_session"]
    stored = db.session.query(WebSession).one()
    assert session_id not in stored.session_hash and len(stored.session_hash) == 64


def test_with_the_database_down_a_signed_in_page_is_still_a_chinese_error_page(make_app):
    down = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    client = down.test_client()
    with client.session_transaction() as session:
        session["web_session"] = "an-id-the-database-cannot-be-asked-about"
    answer = client.get("/inbox/")
    assert answer.status_code == 503
    assert "服务暂不可用" in answer.text
