"""Keep private feed tokens out of logs.

The private feed's URL carries its token (calendar clients can send nothing
else), and servers log request paths: Werkzeug's development server
(``werkzeug``), gunicorn's access log (``gunicorn.access``) and Flask's
"Exception on <path>" (the app's logger). A filter on each of those loggers
rewrites the token path segment before any handler sees the record.

Another front server (nginx, a load balancer) logs paths too: filter
``/calendar/private/`` there, e.g. nginx ``map $request_uri $loggable_uri``.
"""

from __future__ import annotations

import logging
import re

#: The path segment after /calendar/private/, whatever it holds (also malformed tokens).
TOKEN_IN_PATH = re.compile(r"(/calendar/private/)[^/?#\s\"']+")
REDACTED = r"\1[redacted]"

#: Loggers that write request paths in the servers the LMS is run with.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(REDACTED, text)


class FeedTokenFilter(logging.Filter):
    """Rewrites a record whose message holds a feed token; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's business, not ours
            return True
        if "/calendar/private/" in message:
            record.msg, record.args = redact(message), None
        return True


FILTER = FeedTokenFilter()


def install(app_logger: logging.Logger) -> None:
    """Attach the filter to the request loggers and the app's logger (idempotent)."""
    for logger in (app_logger, *map(logging.getLogger, REQUEST_LOGGERS)):
        logger.addFilter(FILTER)  # addFilter ignores a filter already there
