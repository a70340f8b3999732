"""Opaque bearer tokens: 256 random bits, stored as SHA-256, expiring, revocable."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import ApiToken
from app.core.extensions import db

TOKEN_BYTES = 32  # 256 bits from the OS CSPRNG


def digest(secret_text):
    return hashlib.sha256(secret_text.encode()).hexdigest()


def issue_token(*, user, now, ttl_seconds):
    """A new token for `user`; returns (plaintext, row). The plaintext is never stored."""
    plaintext = secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(token_hash=digest(plaintext), user=user, created_at=now,
                   expires_at=now + timedelta(seconds=ttl_seconds))
    db.session.add(row)
    return plaintext, row


def find_token(plaintext):
    # The user comes in the same query: every authenticated request needs both.
    return db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                             .where(ApiToken.token_hash == digest(plaintext)))


def revoke_token(*, token, now):
    token.revoked_at = now
