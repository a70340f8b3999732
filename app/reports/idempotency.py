"""Idempotency-Key for POST /api/v1/reports.

Phase one claims (user, key) with the request's hash in its own transaction, so a
second request racing the first sees `in_flight` (409) instead of writing a second
report. Phase two stores the answer in the same transaction as the report, so a
retry replays exactly what the first caller was told. A claim whose request died
is taken over after STALE_AFTER.
"""
import hashlib
import json
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.core.errors import ApiError
from app.core.extensions import db
from app.reports.models import IdempotencyRecord

STALE_AFTER = timedelta(seconds=60)
MAX_KEY_LENGTH = 128


def request_hash(body):
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_key(key):
    if not key:
        raise ApiError.bad_request("缺少 Idempotency-Key 请求头 (Idempotency-Key header required)",
                                   "idempotency_key_missing")
    if len(key) > MAX_KEY_LENGTH:
        raise ApiError.bad_request("Idempotency-Key 过长 (Idempotency-Key too long)", "idempotency_key_invalid")
    return key


def claim(*, user, key, body_hash, now):
    """Returns a stored (status, body) to replay, or None when this request now owns the key.

    Commits its own small transaction: the claim must be visible to racing requests.
    """
    record = find(user, key)
    if record is not None:
        return answer_for_existing(record, body_hash, now)
    db.session.add(IdempotencyRecord(user_id=user.id, key=key, request_hash=body_hash, created_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return answer_for_existing(find(user, key), body_hash, now)
    return None


def answer_for_existing(record, body_hash, now):
    if record.request_hash != body_hash:
        raise ApiError.unprocessable("该 Idempotency-Key 已用于另一份请求 (key reused with another body)",
                                     "idempotency_key_reused")
    if record.state == "done":
        return record.response_status, record.response_body
    if record.created_at > now - STALE_AFTER:
        raise ApiError.conflict("相同请求正在处理中，请稍后重试 (request in flight)", "request_in_flight")
    record.created_at = now  # the first request died: this one takes over
    db.session.commit()
    return None


def find(user, key):
    return db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key))


def complete(*, user, key, status, body):
    """Store the answer; part of the caller's transaction."""
    record = find(user, key)
    record.state, record.response_status, record.response_body = "done", status, body


def release(*, user, key):
    """Forget a claim whose request was refused, so nothing of it remains."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key,
        IdempotencyRecord.state == "in_flight"))
    db.session.commit()
