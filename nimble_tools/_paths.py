"""Path templates: turning ``/api/v1/contact/{id}`` plus values into a safe URL path.

Values that go into a path come from a model, so they are treated as hostile: a Nimble id must be
24 hex characters, and any other value (a tag name) is percent-encoded with no safe characters, so
that ``/``, ``?``, ``#`` and ``%`` are encoded and can never change the route. ``.`` and ``..`` are
refused outright, because percent-encoding leaves them as they are and a URL resolver would walk
them.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping
from urllib.parse import quote

from ._errors import UnsafePathValueError

__all__ = ["NIMBLE_ID_PATTERN", "path_fields", "render_path"]

NIMBLE_ID_PATTERN = r"^[0-9a-fA-F]{24}$"
_NIMBLE_ID = re.compile(NIMBLE_ID_PATTERN)
_MAX_FREE_VALUE = 200


@functools.lru_cache(maxsize=1024)  # a handful of templates, parsed on every call otherwise
def path_fields(template: str) -> tuple[str, ...]:
    """The placeholder names in a path template, in order."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def check_path_value(tool: str, field: str, value: object, *, is_id: bool) -> str:
    """Return the encoded path segment for ``value``, or raise :class:`UnsafePathValueError`."""
    if not isinstance(value, str):
        raise UnsafePathValueError(tool, field, f"expected a string, got {type(value).__name__}")
    if is_id:
        if not _NIMBLE_ID.match(value):
            raise UnsafePathValueError(tool, field, f"{_preview(value)} is not a Nimble id (24 hexadecimal characters)")
        return value
    if value.strip() in {"", ".", ".."}:
        raise UnsafePathValueError(tool, field, f"{_preview(value)} cannot be used as a name")
    if len(value) > _MAX_FREE_VALUE:
        raise UnsafePathValueError(tool, field, f"longer than {_MAX_FREE_VALUE} characters")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise UnsafePathValueError(tool, field, "contains control characters")
    return quote(value, safe="")


def render_path(tool: str, template: str, values: Mapping[str, object], id_fields: frozenset[str]) -> str:
    """Fill ``template`` with checked, encoded values.

    Args:
        tool: operation name, for error messages.
        template: a path such as ``/api/v1/contact/{id}``.
        values: one value per placeholder.
        id_fields: placeholders that must hold Nimble ids; the others are free text.
    """
    encoded = {
        name: check_path_value(tool, name, values.get(name), is_id=name in id_fields) for name in path_fields(template)
    }
    return template.format_map(encoded)


def _preview(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")
