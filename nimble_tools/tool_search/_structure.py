"""Scoring tools by structure: does the tool act on what the request is about, the way it asks?

Each (request, tool) pair gets a few features, each a number from 0 to 1; the structural score is
their weighted sum. The features are questions anyone would ask when choosing by hand: is the
tool's object what the request names? Its verb? Does it take the id the request pasted? Does it
do something special (archive, import, undo) that nobody asked for?
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._frames import Frame
from ._intent import MODIFIER, VERBS, Intent

__all__ = ["FEATURES", "WEIGHTS", "features", "structural_scores"]

# Objects that live inside another record: a tool for one of them should not win a request that
# names only the record ("update her record" is not about a field of it).
SUB_OBJECTS = frozenset(
    {
        "note",
        "tag",
        "field",
        "choice",
        "group",
        "tab",
        "stage",
        "file",
        "reason",
        "download",
        "history_kind",
        "column",
        "ids",
        "overdue",
        "won_summary",
        "call",
    }
)
RECORDS = frozenset({"contact", "deal", "pipeline"})
# Actions a tool must be asked for: an archive, an undo, an import are never the default reading.
SPECIFIC_ACTIONS = frozenset(
    {
        "archive",
        "unarchive",
        "undo",
        "won",
        "lost",
        "import",
        "dedupe",
        "sync",
        "provision",
        "primary",
        "board",
        "by_owner",
        "bulk",
        "download",
        "log",
        "edit",
        "chosen_id",
    }
)
# Concepts that belong to one side of the account: files and stages are deals', tabs contacts'.
_IMPLIED_WORLD = {
    "deal": "deal",
    "file": "deal",
    "reason": "deal",
    "won_summary": "deal",
    "column": "deal",
    "contact": "contact",
    "lead": "contact",
    "tab": "contact",
    "history": "contact",
    "history_kind": "contact",
    "draft": "contact",
    "call": "contact",
}

FEATURES = (
    "object",
    "owner",
    "head_is_owner",
    "verb",
    "other_verb",
    "action",
    "unasked_sub_object",
    "unasked_action",
    "other_world",
    "record_read",
    "value",
    "id",
    "many",
    "address",
    "lookup",
    "filter",
    "url",
    "number",
    "composite",
)
WEIGHTS: Mapping[str, float] = {
    "object": 1.0,
    "owner": 0.8,
    "head_is_owner": 0.2,
    "verb": 0.6,
    "other_verb": -1.0,
    "action": 1.0,
    "unasked_sub_object": -0.4,
    "unasked_action": -0.6,
    "other_world": -0.6,
    "record_read": 1.5,
    "value": 1.0,
    "id": 0.8,
    "many": 0.4,
    "address": 0.4,
    "lookup": 0.8,
    "filter": 0.4,
    "url": 0.4,
    "number": 0.2,
    "composite": -0.2,
}


def world(frame: Frame) -> str | None:
    """``deal`` or ``contact``: which side of the account a tool works on (None for neither)."""
    kinds = {frame.object, *frame.owners}
    if "deal" in kinds or kinds & {"file", "reason"}:
        return "deal"
    if kinds & {"contact", "lead"}:
        return "contact"
    return None


def asked_world(request: Intent) -> str:
    """Which side of the account a request is about; contacts unless it says otherwise."""
    weights = {"contact": 0.0, "deal": 0.0}
    for concept, side in _IMPLIED_WORLD.items():
        weights[side] = max(weights[side], request[concept])
    if request["pipeline"] or request["stage"]:  # pipelines and stages are deals' unless a lead's
        side = "contact" if request["lead"] else "deal"
        weights[side] = max(weights[side], 0.5)
    return "deal" if weights["deal"] > weights["contact"] else "contact"


def _id_match(request: Intent, frame: Frame) -> float:
    """1 when the tool takes the id the request pasted (a deal's id for a deal tool), 0.5 when
    nobody can tell whose id it is, 0 when the tool takes no id or another record's."""
    if not frame.takes_id and not frame.takes_ids:
        return 0.0
    best = 0.0
    for owner in request.id_owners or (None,) * request.pasted.ids:
        if owner is None:
            best = max(best, 0.5)
        elif owner in frame.id_of or (owner == "contact" and "lead" in frame.id_of):
            return 1.0
    return best


def features(
    request: Intent, frame: Frame, readable: frozenset[tuple[str | None, str]] = frozenset()
) -> dict[str, float]:
    """The structural features of one (request, tool) pair.

    ``readable`` holds the (side, concept) pairs some tool of the view reads by an id: a request to
    read anything else of a record (a deal's notes, a contact's tags) is served by reading the record.
    """
    pasted = request.pasted
    named = request[frame.object]
    if frame.object == "lead":
        named = max(named, MODIFIER * request["contact"])  # a lead is a contact in a pipeline
    if frame.object == "contact" and not request.concepts and (pasted.ids or pasted.emails or pasted.phones):
        named = 0.5  # a record named only by its id or address is a contact unless the request says otherwise
    side = asked_world(request)
    own_world = world(frame)
    specific = frame.actions & SPECIFIC_ACTIONS
    return {
        "object": named,
        "owner": max((request[o] for o in frame.owners if o != request.head), default=0.0),
        "head_is_owner": float(request.head in frame.owners),
        "verb": request[frame.verb],
        "other_verb": float(request[frame.verb] == 0.0 and max(request[v] for v in VERBS) >= 1.0),
        "action": min((request[a] for a in frame.actions), default=0.0),
        "unasked_sub_object": float(frame.object in SUB_OBJECTS and named == 0.0),
        "unasked_action": max((1.0 - min(request[a], 1.0) for a in specific | frame.requires), default=0.0),
        "other_world": float(own_world is not None and own_world != side),
        "record_read": float(
            frame.verb == "read"
            and frame.object in RECORDS
            and frame.takes_id
            and not frame.lists
            and pasted.ids > 0
            and request.head in SUB_OBJECTS
            and (side, request.head) not in readable
            and request["read"] > 0
            and (request[frame.object] > 0 or (frame.object == "contact" and side == "contact"))
        ),
        "value": float(
            request["value"] > 0
            and request.head in (None, "field", "contact", "deal")
            and frame.object in RECORDS
            and frame.verb == "update"
        ),
        "id": _id_match(request, frame),
        "many": float(request["many"] > 0 and frame.takes_ids),
        "address": float((pasted.emails + pasted.phones) > 0 and frame.finds_by_address),
        "lookup": float(
            (pasted.emails + pasted.phones) > 0 and frame.searches and request["read"] > 0 and frame.object == "contact"
        ),
        "filter": float(request["condition"] > 0 and frame.searches),
        "url": float(pasted.urls > 0 and frame.takes_url),
        "number": float(frame.verb == "read" and frame.lists == request.plural),
        "composite": float(frame.composite),
    }


def readable_concepts(frames: Sequence[Frame]) -> frozenset[tuple[str | None, str]]:
    """The (side, concept) pairs that some tool reads by an id."""
    return frozenset((world(f), f.object) for f in frames if f.verb == "read" and f.takes_id)


def structural_scores(
    request: Intent, frames: Sequence[Frame], weights: Mapping[str, float] = WEIGHTS
) -> list[float]:
    """One structural score per tool: the weighted sum of its features."""
    readable = readable_concepts(frames)
    return [sum(weights[k] * v for k, v in features(request, f, readable).items()) for f in frames]
