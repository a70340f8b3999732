"""Server-side staff web sessions: the cookie carries a random id, its SHA-256 is stored.

A session ends when its owner signs out, after `idle` without a request, `lifetime` after
sign-in at the latest, and everywhere at once when the password changes or the account
is disabled (service.revoke_all_sign_ins). A copied cookie is worth nothing after that.
"""
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from app.accounts.models import WebSession
from app.accounts.tokens import TOKEN_BYTES, digest
from app.core.extensions import db

# last_seen_at is written at most this often: a write on every page view would be wasted.
TOUCH_EVERY = timedelta(minutes=1)


def start_session(*, user, now):
    """A new session for `user`; returns the id for the cookie (never stored as such)."""
    session_id = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(WebSession(session_hash=digest(session_id), user=user, created_at=now, last_seen_at=now))
    return session_id


def find_live_session(session_id, *, now, idle, lifetime):
    """The session behind a cookie's id while it lives, else None; marks it as seen."""
    row = db.session.scalar(select(WebSession).options(joinedload(WebSession.user))
                            .where(WebSession.session_hash == digest(session_id)))
    if row is None or not is_live(row, now=now, idle=idle, lifetime=lifetime):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row


def is_live(row, *, now, idle, lifetime):
    user = row.user
    return (row.revoked_at is None and user.is_staff and not user.disabled
            and now - row.last_seen_at < idle and now - row.created_at < lifetime)


def delete_dead_sessions(now):
    """For the sweeper: rows past any session's lifetime (plus a day) are dead whatever else
    happened to them; the table then holds at most a day's worth of history."""
    lifetime = timedelta(hours=current_app.config["WEB_SESSION_MAX_HOURS"], days=1)
    return db.session.execute(delete(WebSession).where(WebSession.created_at < now - lifetime)).rowcount


def end_session(row, *, now):
    row.revoked_at = now
