"""What the cards of ``search_nimble_tools`` need: when to use each tool, and cached schemas.

A card is the tool's name, its description, one line saying when to use it rather than its
nearest neighbour in the same view, and its argument schema. The neighbour is the tool whose frame
(:mod:`._frames`) is closest: same object on the other side of the account (a deal's note, a
contact's note), the record and a part of it (a contact, a contact field's definition), one record
and many, a composite action and the step it wraps. The line is written from the two frames, so it
holds for any plugin's tools too.

Cards are built once per tool and view: the argument schema alone took 1 to 2 ms per tool to
rebuild, five times per search, against 0.3 ms for the ranking itself.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from pydantic import BaseModel

from .._operation import Operation
from .._published_schema import published_schema
from ._frames import Frame, frame
from ._structure import world

__all__ = ["card_parameters", "choice_lines"]

_NOUNS = {
    "me": "signed-in user",
    "ids": "ids",
    "field": "field definition",
    "choice": "drop-down option",
    "group": "field group",
    "history": "timeline",
    "history_kind": "kinds of timeline entries",
    "draft": "email draft",
    "reason": "lost reason",
    "overdue": "overdue activities",
    "won_summary": "won-last-month total",
    "column": "listing columns",
    "download": "download link",
    "lead": "lead (a contact in a lead pipeline)",
}
# In order of precedence: a tool with several says the first ("by_owner" before "board").
_ACTIONS = {
    "by_owner": "see a pipeline's deals per owner",
    "archive": "archive",
    "unarchive": "restore from the archive",
    "undo": "undo a won or lost exit",
    "edit": "edit an existing exit",
    "won": "mark won",
    "lost": "mark lost",
    "move": "move to a stage",
    "chosen_id": "create under an id you choose",
    "bulk": "delete every match of a search",
    "primary": "mark or unmark a value as primary",
    "download": "get a download link",
    "board": "see a pipeline's deals per stage",
}
_VERBS = {"read": "read", "create": "add", "update": "change", "delete": "delete"}
# When a composite action is the better choice than the single step it is near.
_COMPOSITE_REASONS = {
    "dedupe": "the person may already be in Nimble (it matches by email, phone or name first)",
    "import": "many leads arrive at once, from a list or a file",
    "sync": "tags change on many contacts, or a contact's other tags must stay",
    "log": "the note records a phone call (direction, outcome, sentiment, transcript)",
    "won": "a deal is won and its signed file must be attached in the same step",
    "provision": "several custom fields come from a written spec",
}
_OWNER_ORDER = ("field", "pipeline", "deal", "contact", "lead")


def _noun(concept: str) -> str:
    return _NOUNS.get(concept, concept)


def _owner(f: Frame) -> str | None:
    return next((o for o in _OWNER_ORDER if o in f.owners), None)


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _thing(f: Frame) -> str:
    owner = _owner(f)
    return _a(f"{owner}'s {_noun(f.object)}") if owner else _a(_noun(f.object))


def _doing(f: Frame) -> str:
    named = [text for action, text in _ACTIONS.items() if action in f.actions]
    if named:
        return named[0]
    if f.verb == "read":
        return "list" if f.lists else "read one by id"
    return _VERBS[f.verb]


def _reason(operation: Operation, f: Frame) -> str:
    found = next((_COMPOSITE_REASONS[a] for a in sorted(f.actions) if a in _COMPOSITE_REASONS), None)
    if found:
        return f"when {found}"
    first = re.split(r"(?<=[.;:])\s", operation.description.strip(), maxsplit=1)[0].rstrip(".;:")
    return f"to {first[0].lower()}{first[1:]}"


def _closeness(a: Frame, b: Frame) -> float:
    score = 4.0 * (a.object == b.object) + 3.0 * (a.verb == b.verb) + 1.0 * (a.actions == b.actions)
    same_side = world(a) == world(b)
    score += 2.0 * ((a.object in b.owners or b.object in a.owners) and same_side) + 1.0 * bool(a.owners & b.owners)
    score += 1.0 * same_side
    return score - 0.5 * len(b.actions)  # a plain tool is a closer neighbour than a special one


def _line(op: Operation, f: Frame, other: Operation, g: Frame) -> str:
    """When to use ``op`` rather than ``other``, in one line."""
    name = other.name
    if f.composite and not g.composite:
        return f"Prefer it over {name} {_reason(op, f)}."
    if g.composite and not f.composite:
        return f"One step; use {name} instead {_reason(other, g)}."
    side_f, side_g = world(f), world(g)
    if f.object == g.object and side_f != side_g and side_f and side_g:
        return f"For {_a(side_f)}'s {_noun(f.object)}; for {_a(side_g)}'s, use {name}."
    if g.object in f.owners:
        doing = "read" if g.verb == "read" and not g.actions else _doing(g)
        return f"For {_thing(f)}; to {doing} the {_noun(g.object)} itself, use {name}."
    if f.object in g.owners:
        return f"For the {_noun(f.object)} itself; for its {_noun(g.object)}, use {name}."
    if f.object != g.object:
        return f"For {_thing(f)}; for {_thing(g)}, use {name}."
    if _doing(f) != _doing(g):
        return f"To {_doing(f)}; to {_doing(g)}, use {name}."
    if f.takes_ids != g.takes_ids:
        if f.takes_ids:
            return f"For several contacts at once; for one, use {name}."
        return f"For one contact; for several at once, use {name}."
    return f"Nearest tool: {name}; compare their descriptions."


@functools.lru_cache(maxsize=16)
def choice_lines(operations: tuple[Operation, ...]) -> dict[str, str]:
    """For each tool of a view: when to use it rather than its nearest neighbour there."""
    frames = [frame(op) for op in operations]
    lines: dict[str, str] = {}
    for i, (op, f) in enumerate(zip(operations, frames, strict=True)):
        others = [j for j in range(len(operations)) if j != i]
        if not others:
            continue
        j = max(others, key=lambda k: (_closeness(f, frames[k]), -abs(k - i)))
        lines[op.name] = _line(op, f, operations[j], frames[j])
    return lines


@functools.lru_cache(maxsize=512)
def _parameters(params: type[BaseModel]) -> str:
    return json.dumps(published_schema(params.model_json_schema()))


def card_parameters(params: type[BaseModel]) -> dict[str, Any]:
    """The argument schema a card shows, built once per model (each caller gets its own copy)."""
    parameters: dict[str, Any] = json.loads(_parameters(params))
    return parameters
