"""The per-call log event, and a formatter that writes log records as JSON lines."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

__all__ = ["CALL_LOGGER", "EVENT_ATTRIBUTE", "JsonFormatter"]

CALL_LOGGER = "nimble_tools.calls"
"""The logger of the one event per call (at INFO; ``outcome`` says whether it failed)."""
EVENT_ATTRIBUTE = "nimble"
"""The log record attribute holding the call's fields (``record.nimble``, a dict)."""


class JsonFormatter(logging.Formatter):
    """Formats each record as one JSON object: time, level, logger, message, and a call's fields.

    A call's event adds ``tool``, ``operation``, ``adapter``, ``call_id``, ``account`` (a hash),
    ``step``, ``outcome``, ``error_type``, ``status_code``, ``duration_ms``, ``http_requests``,
    ``retries``, ``confirmation`` and ``trace_id``/``span_id``/``parent_span_id``, so that a log
    line leads to its trace. Other records (the client's retries, for instance) keep their message.

    Example::

        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.getLogger("nimble_tools").addHandler(handler)
        logging.getLogger("nimble_tools").setLevel(logging.INFO)
    """

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event = getattr(record, EVENT_ATTRIBUTE, None)
        if isinstance(event, dict):
            data.update(event)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)
