"""HTML error pages for /inbox, while /api keeps the app's JSON errors.

Errors raised inside web views reach the blueprint's handlers, which Flask prefers
to the app's JSON ones for the same exception class. So the blueprints name the
classes the app handles too: ApiError (the input checks that run before every view
raise it) and SQLAlchemyError (a lost database is a 503 page, not a 500). A path under
/inbox that matches no route (404, 405) never reaches a blueprint, so a before-request
hook answers those before Flask raises them. Each page carries its error code in
`data-error`, as the API's JSON does.
"""
import logging

from flask import render_template, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core.errors import HTTP_CODES, ApiError, database_failure

log = logging.getLogger(__name__)

TITLES = {
    400: "请求无效",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持该请求方法",
    413: "上传内容过大",
    429: "操作过于频繁",
    500: "服务器内部错误",
    503: "服务暂不可用",
}
HINTS = {
    404: "您访问的页面不存在或已被移除，请检查地址是否正确。",
    500: "系统出现了问题，我们已记录此错误，请稍后再试。",
}


def error_page(error):
    code = error.code or 500
    hint = HINTS.get(code) or _chinese_description(error) or TITLES.get(code, "请求未能完成")
    allowed = getattr(error, "valid_methods", None) if code == 405 else None
    headers = {"Allow": ", ".join(allowed)} if allowed else {}
    return render_page(code, HTTP_CODES.get(code, ("http_error",))[0], hint), code, headers


def api_error_page(error):
    """An ApiError (bad input, a lost database) as a page: its status, code, message and headers."""
    return render_page(error.status, error.code, error.message), error.status, error.headers


def database_error_page(error):
    failure = database_failure(error)
    return api_error_page(failure) if failure is not None else unexpected_error_page(error)


def render_page(status, error_code, hint):
    return render_template("web/error.html", code=status, error_code=error_code,
                           title=TITLES.get(status, "出错了"), hint=hint)


def _chinese_description(error):
    # Our own abort(…, description="中文…") is shown; werkzeug's English defaults are not.
    description = error.description or ""
    return description if any("\u4e00" <= ch <= "\u9fff" for ch in description) else None


def unexpected_error_page(error):
    log.exception("unhandled error in web inbox")
    return error_page(InternalServerError())


def routing_error_page(prefix):
    failure = request.routing_exception
    if failure is None or not (request.path == prefix or request.path.startswith(prefix + "/")):
        return None
    # RequestRedirect (/inbox -> /inbox/) is a routing exception too, and must go through.
    if isinstance(failure, HTTPException) and (failure.code or 500) >= 400:
        return error_page(failure)
    return None


def html_errors(bp):
    """Every web blueprint answers its errors with pages, not the API's JSON."""
    bp.register_error_handler(HTTPException, error_page)
    bp.register_error_handler(ApiError, api_error_page)
    bp.register_error_handler(SQLAlchemyError, database_error_page)
    bp.register_error_handler(Exception, unexpected_error_page)
    return bp


def init_errors(bp):
    html_errors(bp)
    bp.before_app_request(lambda: routing_error_page(bp.url_prefix))
