"""The rules of OpenAI's strict mode that both the rewrite (``_strict``) and the check (``_validate``) follow."""

from __future__ import annotations

__all__ = ["ALLOWED_FORMATS", "SUPPORTED_KEYWORDS"]

ALLOWED_FORMATS = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"})
"""String formats strict mode accepts."""

SUPPORTED_KEYWORDS = frozenset(
    {
        "type",
        "description",
        "title",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "enum",
        "const",
        "$ref",
        "pattern",
        "format",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "minItems",
        "maxItems",
    }
)
"""The keywords OpenAI's strict mode supports; :func:`strictify` keeps or rewrites exactly these."""
