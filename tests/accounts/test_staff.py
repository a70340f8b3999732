import pytest

from app.accounts.models import User
from app.core.extensions import db, limiter
from tests.factories import STREET_A, make_staff


def staff_sign_in(client, username, password):
    return client.post("/api/v1/auth/staff", json={"username": username, "password": password})


def test_staff_sign_in_with_a_password_and_carry_their_street(client, world):
    make_staff(username="zhujing-1")
    db.session.commit()
    answer = staff_sign_in(client, "zhujing-1", "correct-horse-battery")
    assert answer.status_code == 200
    assert answer.json["user"]["roles"] == ["staff"]
    assert answer.json["user"]["street_code"] == STREET_A


def test_passwords_are_stored_hashed(app, world):
    user = make_staff(username="zhujing-2")
    assert "correct-horse-battery" not in user.password_hash


@pytest.mark.parametrize("username, password", [("zhujing-3", "wrong"), ("nobody", "correct-horse-battery")])
def test_a_wrong_password_or_unknown_user_is_the_same_401(client, world, username, password):
    make_staff(username="zhujing-3")
    db.session.commit()
    answer = staff_sign_in(client, username, password)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "invalid_credentials"


def test_repeated_failures_lock_the_account_for_a_while(client, world):
    make_staff(username="zhujing-4")
    db.session.commit()
    for _ in range(5):
        staff_sign_in(client, "zhujing-4", "wrong")
    answer = staff_sign_in(client, "zhujing-4", "correct-horse-battery")
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0


def test_the_cli_creates_staff_and_refuses_bad_combinations(app, world):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["users", "create-staff", "li", "--street", STREET_A, "--role", "staff",
                             "--password", "long-enough-pw"])
    assert ok.exit_code == 0, ok.output
    assert db.session.query(User).filter_by(username="li", staff_role="staff").count() == 1
    handler = runner.invoke(args=["users", "create-staff", "wang", "--role", "dept", "--department", "LHSR",
                                  "--password", "long-enough-pw"])
    assert handler.exit_code == 0, handler.output
    for args in (["zhao", "--role", "staff", "--password", "long-enough-pw"],
                 ["zhao", "--street", "310116999", "--role", "staff", "--password", "long-enough-pw"],
                 ["zhao", "--role", "dept", "--department", "NOPE", "--password", "long-enough-pw"],
                 ["zhao", "--street", STREET_A, "--role", "staff", "--password", "short"]):
        refused = runner.invoke(args=["users", "create-staff", *args])
        assert refused.exit_code != 0
        assert "refused" in refused.output
    assert db.session.query(User).filter_by(username="zhao").count() == 0


def test_sign_in_endpoints_are_rate_limited(make_app, world):
    limited = make_app(AUTH_RATE_LIMIT="3 per minute")
    limiter.reset()
    client = limited.test_client()
    answers = [staff_sign_in(client, "nobody", "x").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    limiter.reset()


def test_with_redis_configured_sign_in_limits_are_counted_in_redis(make_app, world, redis_url):
    from redis import Redis

    limited = make_app(AUTH_RATE_LIMIT="2 per minute", REDIS_URL=redis_url)
    limiter.reset()
    client = limited.test_client()
    answers = [staff_sign_in(client, "nobody", "x").status_code for _ in range(3)]
    assert answers == [401, 401, 429]
    assert any(b"LIMITS" in key for key in Redis.from_url(redis_url).keys("*"))
    limiter.reset()
