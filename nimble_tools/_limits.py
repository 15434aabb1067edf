"""Limits every argument value must respect, whatever its field: checked before the params model runs.

Models send what they like. Three things no Nimble field needs, and that break things further down
when they get through, are refused for every tool, with the field named:

* text that is not valid Unicode (an unpaired surrogate, which cannot be encoded as UTF-8, so the
  request could not even be written), or that holds control characters other than tab, line feed
  and carriage return (a NUL truncates strings in C libraries, escape sequences garble logs);
* a string longer than :data:`MAX_STRING_LENGTH` characters;
* values nested deeper than :data:`MAX_DEPTH` levels, or more than :data:`MAX_VALUES` values in one
  call (deep nesting exhausts the recursion of validators and encoders);
* numbers no Nimble field holds: integers beyond 64 bits, and NaN or infinite floats.

Arguments that arrive as JSON text (the OpenAI APIs send them so) are read by
:func:`parse_arguments`, which applies the same limits while parsing, so that a document nested a
thousand deep or a 5,000-digit number is refused with the field named instead of exhausting the
parser.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ._errors import InvalidArgumentsError

__all__ = [
    "MAX_DEPTH",
    "MAX_INTEGER",
    "MAX_JSON_TEXT",
    "MAX_STRING_LENGTH",
    "MAX_VALUES",
    "check_argument_values",
    "parse_arguments",
    "parse_json",
]

MAX_STRING_LENGTH = 1_000_000
"""Longest string accepted in any argument (fields set their own, smaller limits; a call transcript
may hold 500,000 characters)."""
MAX_DEPTH = 64
"""Deepest nesting of objects and lists accepted in one call's arguments (a search nested 20 deep uses 42)."""
MAX_VALUES = 1_000_000
"""Most values (strings, numbers, objects, list items...) in one call (a 10,000-lead import holds about 60,000)."""
MAX_INTEGER = 2**63 - 1
"""Largest integer magnitude accepted (Nimble's numbers are 64-bit)."""
MAX_JSON_TEXT = 64_000_000
"""Longest argument text accepted as JSON (a million values of a few characters each fit)."""
_MAX_PROBLEMS = 5
_INTEGER_DIGITS = len(str(MAX_INTEGER))

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
        if isinstance(value, int | float) and not isinstance(value, bool):
            problem = _number_problem(value)
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


def _number_problem(value: float) -> str | None:
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        return f"is a number of {len(str(abs(value)))} digits; at most 64-bit integers are accepted"
    if isinstance(value, float) and not math.isfinite(value):
        return f"is {value}, which is not a number Nimble can store; send a finite number"
    return None


def parse_json(tool: str, text: str | bytes | bytearray, field: str = "arguments") -> Any:
    """Parse JSON ``text`` given for ``field`` within the limits above.

    Raises:
        InvalidArgumentsError: for text that is not JSON, too long, nested too deep, or that holds a
            number no field can take; naming ``field``.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgumentsError(tool, [(field, "not UTF-8 text; send a JSON object")]) from None
    if len(text) > MAX_JSON_TEXT:
        raise InvalidArgumentsError(tool, [(field, f"is {len(text):,} characters of JSON; at most {MAX_JSON_TEXT:,}")])
    if _nesting(text) > MAX_DEPTH:
        raise InvalidArgumentsError(tool, [(field, f"nested more than {MAX_DEPTH} levels deep; flatten the value")])
    try:
        return json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except _NumberRefused as refused:
        raise InvalidArgumentsError(tool, [(field, str(refused))]) from None
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise InvalidArgumentsError(tool, [(field, f"not valid JSON ({reason})")]) from None


def parse_arguments(tool: str, arguments: Any, field: str = "arguments") -> dict[str, Any]:
    """A call's arguments as a dict: from JSON text (see :func:`parse_json`), a mapping, or None.

    Raises:
        InvalidArgumentsError: when the arguments are not a JSON object, or the text breaks a limit.
    """
    if arguments is None:
        return {}
    if isinstance(arguments, str | bytes | bytearray):
        arguments = parse_json(tool, arguments, field) if arguments.strip() else {}
    if isinstance(arguments, BaseModel):
        arguments = dict(arguments)
    if not isinstance(arguments, Mapping):
        raise InvalidArgumentsError(tool, [(field, f"expected a JSON object, got {type(arguments).__name__}")])
    return dict(arguments)


class _NumberRefused(ValueError):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _INTEGER_DIGITS or abs(value := int(text)) > MAX_INTEGER:
        raise _NumberRefused(f"holds a number of {len(text.lstrip('-'))} digits; at most 64-bit integers are accepted")
    return value


def _no_constant(name: str) -> Any:
    raise _NumberRefused(f"holds {name}, which is not a number Nimble can store; send a finite number")


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _nesting(text: str) -> int:
    """How deep the brackets of JSON ``text`` nest (strings ignored); cheap when they cannot be deep."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    for bracket in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


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
