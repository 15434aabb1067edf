"""Checks that stay out of the published schema, and the short field types the actions share.

A composite action's schema is read by a model on every request. Some constraints only guard
against absurd input (a first name over 200 characters, a 500,000-character transcript) or are
already said in words ("two-letter country"); published, each costs tokens on every request
(``(max 200 chars)`` in OpenAI strict form, a ``pattern`` elsewhere) and tells a model nothing it
would get wrong. These types keep the check, so a bad value is still refused with an error naming
the field and the limit, and publish a plain string, like :data:`nimble_tools.NimbleId` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

__all__ = ["QUIET_CHECKS", "Country", "Email", "Phone", "ShortText", "unpublished"]


def unpublished(*keywords: str) -> Callable[[dict[str, Any]], None]:
    """A ``json_schema_extra`` that leaves ``keywords`` out of the published schema (the check stays)."""

    def apply(schema: dict[str, Any]) -> None:
        for keyword in keywords:
            schema.pop(keyword, None)

    return apply


QUIET_CHECKS = Field(json_schema_extra=unpublished("maxLength", "pattern"))
"""``Annotated`` metadata after a ``StringConstraints``: its length limit and pattern are checked, not published."""

ShortText = Annotated[str, StringConstraints(max_length=200), QUIET_CHECKS]
"""A name, company or title: at most 200 characters, published as a plain string."""
Email = Annotated[str, StringConstraints(max_length=320), QUIET_CHECKS]
"""An email address as given (normalised by the action): at most 320 characters."""
Phone = Annotated[str, StringConstraints(max_length=40), QUIET_CHECKS]
"""A phone number in any format: at most 40 characters."""


def _two_letters(value: str) -> str:
    # A check in words rather than a pattern: with no pattern published, the error is the model's guide.
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise ValueError("expected a two-letter country code such as US, GB or DE")
    return value


Country = Annotated[str, AfterValidator(_two_letters)]
"""A two-letter country code (ISO 3166), e.g. ``US``; published as a plain string."""
