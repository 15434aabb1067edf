"""Limits every argument value must respect, whatever its field: checked before the params model runs.

Models send what they like. Three things no Nimble field needs, and that break things further down
when they get through, are refused for every tool, with the field named:

* text that is not valid Unicode (an unpaired surrogate, which cannot be encoded as UTF-8, so the
  request could not even be written), or that holds control characters other than tab, line feed
  and carriage return (a NUL truncates strings in C libraries, escape sequences garble logs);
* a string longer than :data:`MAX_STRING_LENGTH` characters;
* values nested deeper than :data:`MAX_DEPTH` levels, or more than :data:`MAX_VALUES` values in one
  call (deep nesting exhausts the recursion of validators and encoders).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ._errors import InvalidArgumentsError

__all__ = ["MAX_DEPTH", "MAX_STRING_LENGTH", "MAX_VALUES", "check_argument_values"]

MAX_STRING_LENGTH = 1_000_000
"""Longest string accepted in any argument (fields set their own, smaller limits; a call transcript
may hold 500,000 characters)."""
MAX_DEPTH = 64
"""Deepest nesting of objects and lists accepted in one call's arguments (a search nested 20 deep uses 42)."""
MAX_VALUES = 1_000_000
"""Most values (strings, numbers, objects, list items...) in one call (a 10,000-lead import holds about 60,000)."""
_MAX_PROBLEMS = 5

# C0 controls but tab, LF and CR; DEL; C1 controls. Unpaired surrogates are found by encoding.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_argument_values(tool: str, arguments: Mapping[str, Any]) -> None:
    """Refuse ``arguments`` when a value breaks one of the limits above.

    Raises:
        InvalidArgumentsError: naming each offending field (at most five) and what to send instead.
    """
    problems: list[tuple[str, str]] = []
    stack: list[tuple[str, Any, int]] = [(str(key), value, 1) for key, value in reversed(list(arguments.items()))]
    problems += [(str(key), problem) for key in arguments if isinstance(key, str) and (problem := _text_problem(key))]
    seen = 0
    while stack and len(problems) < _MAX_PROBLEMS:
        where, value, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            problems.append(("arguments", f"more than {MAX_VALUES:,} values in one call; send fewer items per call"))
            break
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                problems.append((where, problem))
            continue
        if isinstance(value, BaseModel):  # already validated by an adapter's schema: look at its fields
            value = vars(value)
        if isinstance(value, Mapping):
            children = [(f"{where}.{key}", item) for key, item in value.items()]
            problems += [
                (f"{where}.{key}", f"the key {problem}")
                for key in value
                if isinstance(key, str) and (problem := _text_problem(key))
            ]
        elif isinstance(value, list | tuple):
            children = [(f"{where}.{index}", item) for index, item in enumerate(value)]
        else:
            continue
        if children and depth >= MAX_DEPTH:
            problems.append((where, f"nested more than {MAX_DEPTH} levels deep; flatten the value"))
            continue
        stack.extend((path, item, depth + 1) for path, item in reversed(children))
    if problems:
        raise InvalidArgumentsError(tool, problems[:_MAX_PROBLEMS])


def _text_problem(text: str) -> str | None:
    if len(text) > MAX_STRING_LENGTH:
        return f"is {len(text):,} characters long; at most {MAX_STRING_LENGTH:,} are accepted: shorten it"
    control = _CONTROL.search(text)
    if control is not None:
        return (
            f"contains the control character U+{ord(control.group()):04X} at position {control.start()}; "
            "remove it (tab, line feed and carriage return are fine)"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"contains an unpaired surrogate U+{ord(text[exc.start]):04X} at position {exc.start}, which is "
            "not valid Unicode text; send the text as proper UTF-8"
        )
    return None
