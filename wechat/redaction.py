"""Keep credentials that travel in WeChat URLs out of the logs.

jscode2session takes the app secret in its query string and every other call the
access token; urllib3 logs full request lines at DEBUG. A filter on urllib3's
connection-pool logger masks those query values before any handler sees them.
"""

import logging
import re

_SENSITIVE_QUERY_VALUE = re.compile(r"(?i)\b(secret|js_code|access_token|session_key|code)=[^&\s\"']+")
_LOGGERS_THAT_PRINT_URLS = ("urllib3.connectionpool",)


def redact(text):
    return _SENSITIVE_QUERY_VALUE.sub(r"\1=***", text)


class RedactWeChatCredentials(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_log_redaction():
    """Idempotent: adds the filter once per logger."""
    for name in _LOGGERS_THAT_PRINT_URLS:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactWeChatCredentials) for f in target.filters):
            target.addFilter(RedactWeChatCredentials())
