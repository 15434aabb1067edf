"""What a model reads about a nested type, apart from the docstring Python readers get."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["model_facing"]


def model_facing(description: str | None) -> Callable[[dict[str, Any]], None]:
    """A ``json_schema_extra`` that sets (or, with ``None``, drops) a model's schema description.

    Pydantic publishes a model's docstring as its description, and every tool that takes the type
    repeats it on each request. Docstrings are written for programmers; this gives the model a short
    note instead, or none when the parameter that holds the type already says it all.
    """

    def apply(schema: dict[str, Any]) -> None:
        if description is None:
            schema.pop("description", None)
        else:
            schema["description"] = description

    return apply
