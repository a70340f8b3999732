import re
from datetime import datetime, timedelta

import pytest

from app.accounts.models import User
from app.accounts.throttle import Throttle
from app.core.clock import utcnow
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


def failing(client, username, times):
    return [staff_sign_in(client, username, "wrong").status_code for _ in range(times)]


def wait_asked(answer):
    """The seconds a 429 asks to wait. Flask-Limiter rewrites Retry-After to the later of that
    and the end of its per-address window, rounding down (hence the - 1)."""
    assert answer.status_code == 429
    seconds = int(re.search(r"请 (\d+) 秒后再试", answer.json["error"]["message"]).group(1))
    assert int(answer.headers["Retry-After"]) >= seconds - 1
    return seconds


def as_if_the_delay_has_passed(user):
    """Move the account's clock back instead of sleeping through the delay."""
    db.session.refresh(user)
    user.next_sign_in_at -= timedelta(hours=1)
    user.last_failed_login_at -= timedelta(hours=1)
    db.session.commit()


@pytest.fixture
def zhujing(world):
    user = make_staff(username="zhujing-4")
    db.session.commit()
    return user


def test_the_first_wrong_passwords_cost_nothing_then_each_attempt_waits_twice_as_long(client, zhujing):
    assert failing(client, "zhujing-4", 5) == [401] * 5
    assert wait_asked(staff_sign_in(client, "zhujing-4", "wrong")) == 2
    as_if_the_delay_has_passed(zhujing)
    assert failing(client, "zhujing-4", 1) == [401]
    assert wait_asked(staff_sign_in(client, "zhujing-4", "wrong")) == 4


def test_during_the_delay_even_the_right_password_is_not_checked(client, zhujing):
    failing(client, "zhujing-4", 5)
    answer = staff_sign_in(client, "zhujing-4", "correct-horse-battery")
    assert answer.status_code == 429
    assert answer.json["error"]["code"] == "rate_limited"
    assert "秒后再试" in answer.json["error"]["message"]
    db.session.refresh(zhujing)
    assert zhujing.failed_logins == 5  # an attempt answered 429 is not counted either


def test_a_stranger_cannot_lock_the_owner_out_after_the_delay_the_password_works(client, zhujing):
    failing(client, "zhujing-4", 8)
    as_if_the_delay_has_passed(zhujing)
    assert staff_sign_in(client, "zhujing-4", "correct-horse-battery").status_code == 200


def test_the_owner_is_told_of_failed_attempts_when_next_signing_in(client, zhujing):
    assert staff_sign_in(client, "zhujing-4", "correct-horse-battery").json["failed_sign_ins"] is None
    failing(client, "zhujing-4", 3)
    told = staff_sign_in(client, "zhujing-4", "correct-horse-battery").json["failed_sign_ins"]
    assert told["count"] == 3
    assert datetime.fromisoformat(told["last_at"]) > utcnow() - timedelta(minutes=1)
    assert staff_sign_in(client, "zhujing-4", "correct-horse-battery").json["failed_sign_ins"] is None


def test_delays_never_grow_past_the_maximum(client, zhujing):
    zhujing.failed_logins = 40
    db.session.commit()
    answer = staff_sign_in(client, "zhujing-4", "wrong")
    assert answer.status_code == 401
    assert wait_asked(staff_sign_in(client, "zhujing-4", "wrong")) == 900


def test_the_delay_schedule_follows_the_settings():
    throttle = Throttle(free_failures=3, max_delay_seconds=20)
    assert [throttle.delay_after(n) for n in range(1, 9)] == [0, 0, 2, 4, 8, 16, 20, 20]


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
