"""JSON log lines (one object per line) carrying the current request id, without raw request paths."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

# The id of the request being handled on this thread or task; "" outside a request.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("patriot_request_id", default="")

# Attributes every LogRecord has; anything else was passed through `extra=` and is written as a field.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
# Django passes these to its request loggers; they are objects, not fields (the request would carry its path).
_UNWRITTEN = frozenset({"request", "server_time", "status_code"})


def route_of(request: Any) -> str:
    """The URL pattern a request matched (`lacak/<str:number>/`), never its raw path: paths carry tracking
    numbers and reset tokens."""
    match = getattr(request, "resolver_match", None)
    if match is None or not getattr(match, "route", ""):
        return "<unmatched>"
    return "/" + match.route


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: ts, level, logger, message, request_id and any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._message(record),
        }
        if request_id := request_id_var.get():
            line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in _UNWRITTEN and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)

    @staticmethod
    def _message(record: logging.LogRecord) -> str:
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple):
            # Django's request loggers write "Not Found: /akun/reset/<uid>/<token>/"; name the route instead.
            paths = {getattr(request, "path", None), getattr(request, "path_info", None)}
            record.args = tuple(route_of(request) if arg in paths else arg for arg in record.args)
        return record.getMessage()
