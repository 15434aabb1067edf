"""Scoring tools by structure: does the tool act on what the request is about, the way it asks?

Each (request, tool) pair gets a few features, each a number from 0 to 1; the structural score is
their weighted sum. The features are questions anyone would ask when choosing by hand: is the
tool's object what the request names? Its verb? Does it take the id the request pasted? Does it
do something special (archive, import, undo) that nobody asked for?
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._frames import Frame
from ._intent import MODIFIER, VERBS, Intent

__all__ = ["FEATURES", "WEIGHTS", "StructureScorer"]

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


@dataclass(frozen=True, slots=True)
class _Asked:
    """What every tool is compared with, worked out once per request."""

    signals: Mapping[str, float]
    head: str | None
    plural: bool
    side: str
    strong_verb: bool
    id_owners: tuple[str | None, ...]
    ids: int
    addresses: int
    urls: int
    names_nothing: bool

    @classmethod
    def of(cls, request: Intent) -> _Asked:
        pasted = request.pasted
        return cls(
            signals=request.signals,
            head=request.head,
            plural=request.plural,
            side=asked_world(request),
            strong_verb=max(request[v] for v in VERBS) >= 1.0,
            id_owners=request.id_owners or (None,) * pasted.ids,
            ids=pasted.ids,
            addresses=pasted.emails + pasted.phones,
            urls=pasted.urls,
            names_nothing=not request.concepts,
        )


@dataclass(frozen=True, slots=True)
class _Tool:
    """A frame with what the features ask of it, worked out once per tool."""

    frame: Frame
    world: str | None
    must_ask: frozenset[str]
    """Actions and accessories a request must mention for this tool (an archive, a file)."""
    reads_record: bool
    """It reads one record (a contact, a deal, a pipeline) by its id."""

    @classmethod
    def of(cls, frame: Frame) -> _Tool:
        reads_record = frame.verb == "read" and frame.object in RECORDS and frame.takes_id and not frame.lists
        return cls(frame, world(frame), (frame.actions & SPECIFIC_ACTIONS) | frame.requires, reads_record)


def _id_match(asked: _Asked, frame: Frame) -> float:
    """Whether the tool takes the id the request pasted.

    1 when it takes that record's id (a deal's id for a deal tool), 0.5 when nobody can tell whose
    id it is, 0 when the tool takes no id or another record's.
    """
    if not frame.takes_id and not frame.takes_ids:
        return 0.0
    best = 0.0
    for owner in asked.id_owners:
        if owner is None:
            best = 0.5
        elif owner in frame.id_of or (owner == "contact" and "lead" in frame.id_of):
            return 1.0
    return best


def _features(asked: _Asked, tool: _Tool, readable: frozenset[tuple[str | None, str]]) -> tuple[float, ...]:
    """The features of one (request, tool) pair, in the order of :data:`FEATURES`."""
    signal = asked.signals.get
    frame = tool.frame
    named = signal(frame.object, 0.0)
    if frame.object == "lead":
        named = max(named, MODIFIER * signal("contact", 0.0))  # a lead is a contact in a pipeline
    if frame.object == "contact" and asked.names_nothing and (asked.ids or asked.addresses):
        named = 0.5  # a record named only by its id or address is a contact unless the request says otherwise
    verb = signal(frame.verb, 0.0)
    head = asked.head
    return (
        named,
        max((signal(o, 0.0) for o in frame.owners if o != head), default=0.0),
        float(head in frame.owners),
        verb,
        float(verb == 0.0 and asked.strong_verb),
        min((signal(a, 0.0) for a in frame.actions), default=0.0),
        float(frame.object in SUB_OBJECTS and named == 0.0),
        max((1.0 - min(signal(a, 0.0), 1.0) for a in tool.must_ask), default=0.0),
        float(tool.world is not None and tool.world != asked.side),
        float(
            tool.reads_record
            and asked.ids > 0
            and head in SUB_OBJECTS
            and (asked.side, head) not in readable
            and signal("read", 0.0) > 0
            and (signal(frame.object, 0.0) > 0 or (frame.object == "contact" and asked.side == "contact"))
        ),
        float(
            signal("value", 0.0) > 0
            and head in (None, "field", "contact", "deal")
            and frame.object in RECORDS
            and frame.verb == "update"
        ),
        _id_match(asked, frame),
        float(signal("many", 0.0) > 0 and frame.takes_ids),
        float(asked.addresses > 0 and frame.finds_by_address),
        float(asked.addresses > 0 and frame.searches and signal("read", 0.0) > 0 and frame.object == "contact"),
        float(signal("condition", 0.0) > 0 and frame.searches),
        float(asked.urls > 0 and frame.takes_url),
        float(frame.verb == "read" and frame.lists == asked.plural),
        float(frame.composite),
    )


class StructureScorer:
    """Scores a view's tools by structure; built once per view, asked once per request."""

    def __init__(self, frames: Sequence[Frame], weights: Mapping[str, float] = WEIGHTS) -> None:
        self.frames = list(frames)
        self._tools = [_Tool.of(f) for f in self.frames]
        # The (side, concept) pairs some tool reads by an id: a request to read anything else of a
        # record (a deal's notes, a contact's tags) is served by reading the record itself.
        self.readable = frozenset(
            (t.world, t.frame.object) for t in self._tools if t.frame.verb == "read" and t.frame.takes_id
        )
        self.weights = tuple(weights[name] for name in FEATURES)

    def features(self, request: Intent) -> list[tuple[float, ...]]:
        """Every tool's features for ``request``, in the order of :data:`FEATURES`."""
        asked = _Asked.of(request)
        return [_features(asked, tool, self.readable) for tool in self._tools]

    def scores(self, request: Intent) -> list[float]:
        """One structural score per tool: the weighted sum of its features."""
        weights = self.weights
        return [sum(w * v for w, v in zip(weights, values, strict=True)) for values in self.features(request)]
