"""Growing delays after wrong staff passwords, instead of a lockout anyone could set off.

The first `free_failures` wrong passwords in a row cost nothing; after that each attempt
must wait 2, 4, 8 … seconds (at most `max_delay_seconds`) after the last failure, and is
answered 429 without the password being looked at until then. Guessing gets slower and
slower, while the owner, once the delay has passed, signs in as always. A successful
sign-in starts the count again and hands the owner what was missed (FailedSignIns).
Per-address limits stay with Flask-Limiter (AUTH_RATE_LIMIT).
"""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Throttle:
    free_failures: int
    max_delay_seconds: int

    @classmethod
    def from_config(cls, config):
        return cls(config["STAFF_SIGNIN_FREE_FAILURES"], config["STAFF_SIGNIN_MAX_DELAY_SECONDS"])

    def delay_after(self, failures):
        """Seconds the next attempt waits after `failures` wrong passwords in a row."""
        if failures < self.free_failures:
            return 0
        return min(2 ** (failures - self.free_failures + 1), self.max_delay_seconds)


@dataclass(frozen=True)
class FailedSignIns:
    """Wrong passwords for an account since its last sign-in: the owner is told of them."""

    count: int
    last_at: datetime


def seconds_to_wait(user, now):
    if user.next_sign_in_at is None or user.next_sign_in_at <= now:
        return 0
    return math.ceil((user.next_sign_in_at - now).total_seconds())


def record_failure(user, *, now, throttle):
    user.failed_logins += 1
    user.last_failed_login_at = now
    delay = throttle.delay_after(user.failed_logins)
    user.next_sign_in_at = now + timedelta(seconds=delay) if delay else None


def record_success(user):
    """Start counting again; returns what the owner should be told, or None."""
    missed = FailedSignIns(user.failed_logins, user.last_failed_login_at) if user.failed_logins else None
    user.failed_logins = 0
    user.last_failed_login_at = None
    user.next_sign_in_at = None
    return missed
