"""What each tool acts on, read from its endpoint: the object, what the object belongs to, the verb.

``PUT /api/v2/deals/{deal_id}/notes/{id}`` updates a *note* of a *deal*; ``GET /api/v1/contact/{id}``
reads a *contact*. The path says it more reliably than any sentence: the last noun segment is the
object, the nouns before it and the placeholders (``{pipeline_id}``) are its owners, the method is
the verb, and a final action segment (``/archive``, ``/undo``) sharpens it. Composite actions have no
path; their name and resource say the same things (``nimble_log_call`` logs a *call* on a
*contact*).

Concepts are a small fixed vocabulary shared with :mod:`._intent`, which reads the same things
from a request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._operation import Operation
from .._paths import path_fields

__all__ = ["Frame", "frame"]

# Path segments and name words -> concepts. Words that are neither are skipped.
NOUNS = {
    "myself": "me",
    "me": "me",
    "contact": "contact",
    "contacts": "contact",
    "lead": "lead",
    "leads": "lead",
    "ids": "ids",
    "tag": "tag",
    "tags": "tag",
    "note": "note",
    "notes": "note",
    "field": "field",
    "fields": "field",
    "choice": "choice",
    "choices": "choice",
    "tab": "tab",
    "tabs": "tab",
    "group": "group",
    "groups": "group",
    "pipeline": "pipeline",
    "pipelines": "pipeline",
    "stage": "stage",
    "stages": "stage",
    "proceedings": "history",
    "proceedings_providers": "history_kind",
    "activities": "activity",
    "task": "task",
    "tasks": "task",
    "messages": "draft",
    "drafts": "draft",
    "draft": "draft",
    "email": "draft",
    "deal": "deal",
    "deals": "deal",
    "won_last_month": "won_summary",
    "overdue": "overdue",
    "file": "file",
    "files": "file",
    "url": "download",
    "lost_reasons": "reason",
    "column_catalogue": "column",
    "call": "call",
}
# Final path segments and name words that name an action rather than a thing.
ACTIONS = {
    "archive": "archive",
    "unarchive": "unarchive",
    "undo": "undo",
    "move": "move",
    "successful": "won",
    "won": "won",
    "unsuccessful": "lost",
    "import": "import",
    "log": "log",
    "sync": "sync",
    "bulk": "bulk",
    "set_primary": "primary",
    "unset_primary": "primary",
    "download": "download",
    "find_or_create": "dedupe",
    "provision": "provision",
    "owners": "by_owner",
    "by": "board",
}
# Actions that change a record whatever the method says (POST /archive updates a pipeline).
_UPDATES = frozenset({"archive", "unarchive", "undo", "move", "won", "lost", "primary"})
# In a composite action's name, nouns after these words are what it works with, not what it acts on.
_WITH = frozenset({"with", "to", "for"})
_SPECIAL_NAME_WORDS = ("find_or_create", "unset_primary", "set_primary")
_BY_ID = re.compile(r"_by_id$")
_METHOD_VERB = {"GET": "read", "POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
# Placeholders name the records a path hangs off: {deal_id} is a deal's.
_PLACEHOLDER = re.compile(r"^(\w+?)_id$")


@dataclass(frozen=True, slots=True)
class Frame:
    """What a tool acts on and how."""

    object: str
    """The concept the tool acts on: ``contact``, ``note``, ``stage``..."""
    owners: frozenset[str]
    """Concepts the object belongs to: a deal note's ``deal``, a stage's ``pipeline``."""
    verb: str
    """``read``, ``create``, ``update`` or ``delete``: what it does to the object."""
    actions: frozenset[str]
    """Sharper verbs: ``archive``, ``won``, ``undo``, ``import``..."""
    requires: frozenset[str]
    """What a composite action works with and a request must mention: the file of a close-with-file."""
    takes_id: bool
    """It acts on one record named by its id (the object's or an owner's)."""
    id_of: frozenset[str]
    """Whose ids it takes: ``{"deal", "note"}`` for a deal note's update."""
    takes_ids: bool
    """It takes a list of record ids."""
    finds_by_address: bool
    """It finds its record itself from an email address or a phone number."""
    takes_url: bool
    """It takes a link (a file, a profile)."""
    searches: bool
    """It finds records by a keyword or conditions."""
    lists: bool
    """It answers with a list (a page of records), not one record."""
    composite: bool


def _nouns_and_actions(words: list[str]) -> tuple[list[str], list[str]]:
    nouns: list[str] = []
    actions: list[str] = []
    for word in words:
        if word in ACTIONS:
            actions.append(ACTIONS[word])
        elif word in NOUNS and NOUNS[word] not in nouns:
            nouns.append(NOUNS[word])
    return nouns, actions


def _segments(operation: Operation) -> list[str]:
    parts = [p for p in operation.path.split("/") if p and not p.startswith("{")]
    return [p for p in parts if p != "api" and not re.fullmatch(r"v\d+", p)]


def _name_words(operation: Operation) -> list[str]:
    name = _BY_ID.sub("", operation.name)
    for special in _SPECIAL_NAME_WORDS:
        name = name.replace(special, " " + special.replace("_", "-") + " ")
    return [w.replace("-", "_") for w in re.split(r"[_\s]+", name) if w]


def _path_id_owners(path: str) -> set[str]:
    """Whose id each ``{id}`` of a path is: the noun just before it (``/contacts/{id}/tags``: a contact's)."""
    owners: set[str] = set()
    previous = ""
    for part in path.split("/"):
        if part == "{id}" and previous in NOUNS:
            owners.add(NOUNS[previous])
        previous = part
    return owners


def frame(operation: Operation) -> Frame:
    """The frame of ``operation``, from its path (or, for a composite action, its name)."""
    fields = operation.params.model_fields
    resource_nouns, _ = _nouns_and_actions(operation.resource.split("_"))
    if operation.path:
        nouns, actions = _nouns_and_actions(_segments(operation))
        changes = set(actions)  # only the path's own actions change the verb
        actions += _nouns_and_actions(_name_words(operation))[1]
        placeholders = path_fields(operation.path)
        owner_words = [m.group(1) for p in placeholders if (m := _PLACEHOLDER.match(p))]
        owners = {NOUNS[w] for w in owner_words if w in NOUNS}
        takes_id = bool(placeholders)
        requires = set()
        if operation.method == "POST" and operation.path.endswith("/{id}"):
            actions.append("chosen_id")  # creates under an id the caller picks
    else:
        words = _name_words(operation)
        cut = next((i for i, w in enumerate(words) if w in _WITH), len(words))
        # In an action's name a lead is someone to add, as users say it ("import leads").
        nouns, actions = _nouns_and_actions(["contact" if w in ("lead", "leads") else w for w in words[:cut]])
        requires = set(_nouns_and_actions(words[cut:])[0]) - {"contact"}
        owners = set(_nouns_and_actions(words[cut:])[0])
        if not nouns:
            nouns = resource_nouns
        takes_id = any(n in fields for n in ("id", "contact_id", "deal_id", "lead_id"))
        owner_words = [m.group(1) for p in fields if (m := _PLACEHOLDER.match(p))]
        placeholders = ()
        changes = set(actions)
    obj = nouns[-1] if nouns else operation.resource
    owners |= set(nouns[:-1]) | set(resource_nouns)
    owners.discard(obj)
    verb = "update" if _UPDATES & changes else _METHOD_VERB[operation.method]
    if changes and operation.path and operation.method in ("PUT", "PATCH"):
        actions.append("edit")  # PUT .../successful edits a past exit; POST makes one
    id_lists = [n for n in fields if n in ("ids", "contact_ids", "related")]
    id_of = {NOUNS[w] for w in owner_words if w in NOUNS} | _path_id_owners(operation.path)
    if (not operation.path and "id" in fields) or (operation.path.endswith("/{id}") and obj in NOUNS.values()):
        id_of.add(obj)
    if id_lists:
        id_of.add("contact")
    return Frame(
        object=obj,
        owners=frozenset(owners),
        verb=verb,
        actions=frozenset(actions),
        requires=frozenset(requires),
        takes_id=takes_id,
        id_of=frozenset(id_of),
        takes_ids=bool(id_lists) or "leads" in fields,
        finds_by_address="email" in fields or "phone" in fields,
        takes_url=any("url" in n for n in fields),
        searches=bool({"query", "keyword"} & set(fields)),
        lists=operation.method == "GET"
        and (operation.paging is not None or operation.name.startswith("list") or (bool(id_lists) and not takes_id)),
        composite=operation.is_composite,
    )
