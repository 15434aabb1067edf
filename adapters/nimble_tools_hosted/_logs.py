"""Access logs without secrets: query strings carry OAuth codes and states, so they are cut off."""

from __future__ import annotations

import logging

__all__ = ["RedactQueryFilter", "redact_access_log"]


class RedactQueryFilter(logging.Filter):
    """Replaces the query string of uvicorn's access-log lines with ``?…``.

    uvicorn logs ``(client, method, path_with_query, http_version, status)``; the path of
    ``/nimble/callback?code=...`` or ``/authorize?...&state=...`` would otherwise put a live
    authorization code or state into the log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?…", *args[3:])
        return True


def redact_access_log() -> None:
    """Install :class:`RedactQueryFilter` on uvicorn's access logger (once)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryFilter) for f in logger.filters):
        logger.addFilter(RedactQueryFilter())
