"""Reading Nimble's answers the way live Nimble writes them.

Nimble's official spec and its own examples disagree on a few shapes, and its examples show what a
live account sends. Everything in the project that reads a contact goes through these helpers, so
that code written against the sandbox keeps working against a live account:

* **tags** are ``[{"tag": "csv import", "id": "5049..."}]`` (the spec's schema says strings; both
  are read, see :func:`tag_names`);
* **a read by id that finds nothing** answers ``200 {"resources": []}``, not a 404
  (:func:`single_record` turns that into :class:`~nimble_tools.NotFoundError`, as a 404 would be);
* **timestamps** are ``2019-01-22T21:57:30+0000`` on contacts and ``2026-12-01T14:36:54.369Z``
  elsewhere (:func:`parse_timestamp` reads both, and any other ISO 8601 form).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ._errors import NotFoundError

__all__ = ["parse_timestamp", "single_record", "tag_names"]


def tag_names(record: Mapping[str, Any]) -> list[str]:
    """The names of a record's tags: ``{"tag": name, "id": ...}`` objects (live) or plain strings.

    >>> tag_names({"tags": [{"tag": "vip", "id": "5049fa0c9b85f62cb4000639"}, "customer"]})
    ['vip', 'customer']
    """
    tags = record.get("tags") or []
    if not isinstance(tags, list):
        return []
    names = [tag.get("tag") if isinstance(tag, Mapping) else tag for tag in tags]
    return [str(name) for name in names if name not in (None, "")]


def single_record(
    answer: Any,
    object_type: str,
    object_id: str,
    *,
    method: str | None = None,
    path: str | None = None,
) -> Mapping[str, Any]:
    """The one record of a read by id (``{"resources": [record]}``), or :class:`NotFoundError`.

    Live Nimble answers a read of a missing or deleted id with ``200 {"resources": []}``; older
    servers (and Nimble's error guide) answer ``404 {object_type, object_id}``. Both end as the
    same ``NotFoundError`` (its ``object_type`` and ``object_id`` set, ``status_code`` 200 here), so
    callers handle one case. A bare record (no ``resources`` list) is returned as it is.
    """
    if isinstance(answer, Mapping):
        resources = answer.get("resources")
        if not isinstance(resources, list):
            return answer
        if resources and isinstance(resources[0], Mapping):
            record: Mapping[str, Any] = resources[0]
            return record
    raise NotFoundError(
        f"No {object_type} with id {object_id!r} was found (an empty list of resources).",
        status_code=200,
        body={"object_type": object_type, "object_id": object_id},
        method=method,
        path=path,
    )


def parse_timestamp(value: Any) -> datetime | None:
    """A Nimble timestamp as an aware UTC-based datetime, or None when it is not one.

    Reads ``2019-01-22T21:57:30+0000`` (contacts), ``2026-12-01T14:36:54.369Z`` (notes, deals),
    ``+00:00`` offsets and naive values (taken as UTC).

    >>> parse_timestamp("2019-01-22T21:57:30+0000") == parse_timestamp("2019-01-22T21:57:30.000Z")
    True
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)  # Python 3.11 reads +0000 and +00:00 alike
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
