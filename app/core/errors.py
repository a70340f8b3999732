"""ApiError and the one JSON error handler every failure goes through.

Errors look like {"error": {"code": "snake_case", "message": "...", "fields": {...}}}.
A database that is down, restarting or out of connections is a 503 with Retry-After
wherever it happens, never a 500: the client may simply try again.
"""
import logging

from flask import jsonify
from sqlalchemy import exc as sql
from werkzeug.exceptions import HTTPException

from app.core.extensions import db

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: ("bad_request", "请求无效 (bad request)"),
    401: ("unauthorized", "请先登录 (authentication required)"),
    403: ("forbidden", "无权操作 (forbidden)"),
    404: ("not_found", "未找到 (not found)"),
    405: ("method_not_allowed", "不支持该请求方法 (method not allowed)"),
    409: ("conflict", "状态冲突 (conflict)"),
    413: ("payload_too_large", "上传内容过大 (payload too large)"),
    415: ("unsupported_media_type", "不支持的内容类型 (unsupported media type)"),
    422: ("unprocessable", "无法处理 (unprocessable)"),
    429: ("rate_limited", "请求过于频繁，请稍后再试 (too many requests)"),
    500: ("internal_error", "服务器内部错误 (internal error)"),
    503: ("service_unavailable", "服务暂不可用 (service unavailable)"),
}

LOST_DATABASE = (sql.OperationalError, sql.InterfaceError, sql.TimeoutError)
DATABASE_UNAVAILABLE = "数据库暂不可用，请稍后再试 (database unavailable)"
RETRY_AFTER_SECONDS = 5  # a restart or a failover takes seconds; pre-ping reconnects on the next try


class ApiError(Exception):
    """An error with an HTTP status, a stable code for clients and a human message."""

    def __init__(self, status, code, message, fields=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}

    @classmethod
    def bad_request(cls, message, code="bad_request", fields=None):
        return cls(400, code, message, fields)

    @classmethod
    def validation(cls, fields, message="输入有误 (invalid input)"):
        return cls(400, "validation_error", message, fields)

    @classmethod
    def unauthorized(cls, message=HTTP_CODES[401][1], code="unauthorized"):
        return cls(401, code, message)

    @classmethod
    def forbidden(cls, message=HTTP_CODES[403][1], code="forbidden"):
        return cls(403, code, message)

    @classmethod
    def not_found(cls, message=HTTP_CODES[404][1], code="not_found"):
        return cls(404, code, message)

    @classmethod
    def conflict(cls, message, code="conflict"):
        return cls(409, code, message)

    @classmethod
    def unprocessable(cls, message, code="unprocessable", fields=None):
        return cls(422, code, message, fields)

    @classmethod
    def rate_limited(cls, retry_after, message=HTTP_CODES[429][1]):
        return cls(429, "rate_limited", message, headers={"Retry-After": str(int(retry_after))})

    @classmethod
    def unavailable(cls, message=HTTP_CODES[503][1], code="service_unavailable", retry_after=None):
        headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else None
        return cls(503, code, message, headers=headers)


def error_response(status, code, message, fields=None, headers=None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_api_error(error):
    return error_response(error.status, error.code, error.message, error.fields, error.headers)


def handle_http_exception(error):
    code, message = HTTP_CODES.get(error.code, ("http_error", error.description))
    # Keep what the exception says beyond the body: Allow on 405, Retry-After on 429.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return error_response(error.code, code, message, headers=headers)


def handle_unexpected(error):
    # The traceback goes to the log; the client gets no internals.
    log.exception("unhandled error")
    code, message = HTTP_CODES[500]
    return error_response(500, code, message)


def database_failure(error):
    """The 503 for a lost or unreachable database, or None for any other database error.

    OperationalError covers refused connections, a server shutting down (a restart
    terminates every backend) and lock or statement timeouts; InterfaceError is the
    driver's "connection closed"; TimeoutError is the pool out of connections.
    """
    lost = isinstance(error, LOST_DATABASE) or getattr(error, "connection_invalidated", False)
    if not lost:
        return None
    log.warning("database unavailable: %s", error.__class__.__name__)
    discard_transaction()
    return ApiError.unavailable(DATABASE_UNAVAILABLE, "database_unavailable", retry_after=RETRY_AFTER_SECONDS)


def discard_transaction():
    # The session's transaction died with its connection; rolled back, the next use
    # checks out a connection that pool_pre_ping has tested, so the next request works.
    try:
        db.session.rollback()
    except sql.SQLAlchemyError:
        log.warning("rollback after a lost database connection failed too", exc_info=True)


def handle_database_error(error):
    failure = database_failure(error)
    return handle_api_error(failure) if failure is not None else handle_unexpected(error)


def register_error_handlers(app):
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(sql.SQLAlchemyError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
