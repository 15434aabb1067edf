"""What a request is about and what it wants done, in the concepts of :mod:`._frames`.

"Carla got promoted, update her record" names a *contact* (her record) and the verb *update*;
"rename the deal tag" names a *tag* of a *deal* and *update*. :func:`intent` reads those signals
from a request's words with a small table written from how salespeople talk about a CRM, and a few
rules of English that hold for any request:

* the thing acted on is the head of the first noun phrase: "add a dropdown *field* with options"
  is about a field, "add a *choice* to the dropdown" about a choice; nouns after a preposition
  ("to the deal", "in pipeline 5f...") name what it belongs to and count less;
* "not the deal" takes the deal out; quoted text and multi-word names ("Halvorsen Group") are
  values, not words of the request;
* a request without a verb is a question: it reads;
* a misspelt word ("feild") is read as the table word one edit away.

No signal is tied to one tool: each says what a request is about, and :mod:`._structure` matches
that against what each tool acts on.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from ._query import ID_MARK, Pasted
from ._text import stem, table_rules

__all__ = ["CONCEPTS", "Intent", "intent"]

# Each line: words or short phrases (joined by -) a user writes -> the signals they carry, with an
# optional strength (default 1). Words match in any form ("notes" is "note") unless marked "=". Signals are concepts (what a request is about), verbs (read,
# create, update, delete) and sharper actions (archive, won, undo, import...).
_TABLE = """
# what a request is about
contact contacts person people persons customer customers client clients prospect prospects individual
    company companies organisation organization org record records profile someone everyone everybody
    anyone employee employees coworker colleague guy entry -> contact
who whos -> contact:0.5
lead leads -> lead
lead-source lead-status lead-score -> contact value:0.6
deal deals opportunity opportunities opp opps -> deal
pipeline pipelines funnel funnels sales-process -> pipeline
process processes -> pipeline:0.8
stage stages step steps phase phases -> stage
note notes memo memos comment comments -> note
jot jot-down write-down -> note create
wrote written -> note:0.6
tag tags label labels -> tag
=tagged =labelled =labeled -> condition tag:0.6
where whose matching =created =added since located based -> condition
field fields property properties attribute attributes custom -> field
layout form -> field:0.8 tab:0.6 group:0.6
dropdown drop-down picklist pick-list -> field choice:0.8
dropdown-value dropdown-option picklist-value picklist-option -> choice
choice choices option options -> choice
group groups section sections -> group
tab tabs page pages -> tab
file files attachment attachments document documents pdf doc docs -> file
url urls download -> download
task tasks todo todos to-do reminder reminders remind follow-up followup -> task activity:0.6
activity activities -> activity history:0.8
meetings =calls events -> activity:0.7 history:0.6
history timeline interactions interaction touchpoints -> history
up-to -> activity
activity-types activity-type kinds-of types-of sources -> history_kind
draft drafts -> draft
an-email email-to -> draft:0.5
personalised personalized -> draft:0.6
call phone-call voicemail -> call
lost-reason lost-reasons loss-reason loss-reasons reason reasons -> reason
whoami who-am logged-in my-user my-account signed-in this-account connected -> me
account -> me:0.6
ids id-only ids-only -> ids
count how-many number-of -> ids:0.8
overdue late past-due -> overdue
last-month won-last-month previous-month past-month prior-month -> won_summary
sortable column columns -> column
sort sorted -> column:0.6
owner owners owned-by -> by_owner:0.6
rep reps salesperson salespeople seller sellers each-rep per-rep per-owner -> by_owner
on-file on-record -> contact:0.5
# verbs
show list see view pull display read fetch find look lookup search what whats which how
    open check give get tell -> read
add create make start enter register put write compose prepare save -> create update:0.4
new leave -> create:0.7
log -> log create:0.5
update change changed edit modify rename fix correct adjust tweak bump push switch replace
    reassign assign move promoted moved reorder -> update
set fill blank empty -> update value
clear -> delete:0.8 update:0.8 value:0.8
set-up -> create
edit change fix correct amend -> edit
mark -> update
link attach upload -> create:0.6 update:0.6
delete remove drop erase wipe trash purge scrap kill rid take-out take-off toss throw-away throw-out
    detach unlink -> delete update:0.5
reset -> delete:0.8 update:0.5
retire -> delete:0.8 archive:0.5
# sharper actions
archive shelve mothball hide -> archive
=archived -> archive:0.5
unarchive restore reactivate bring-back unhide -> unarchive
undo revert oops roll-back rollback take-back -> undo
won win converted closed-won close-it -> won
=closed =signed -> won:0.6
close-date closing-date expected-close amount probability -> deal:0.8 value:0.8
lost lose dead said-no went-with declined -> lost
import csv spreadsheet -> import
unless already if-not not-already no-dupes skip-anyone avoid-duplicates without-duplicates -> dedupe
without-wiping keep-their dont-mess leave-other other-tags existing-tags current-tags -> sync
spec set-up-these make-sure -> provision
primary main default preferred -> primary
predefined preset chosen-id own-id retry-safe idempotent -> chosen_id
board kanban grouped-by by-stage per-stage each-stage -> board
bulk -> bulk
every all everyone everybody these them -> many
"""

CONCEPTS = frozenset(
    {
        "me",
        "contact",
        "lead",
        "deal",
        "pipeline",
        "stage",
        "note",
        "tag",
        "field",
        "choice",
        "group",
        "tab",
        "file",
        "task",
        "activity",
        "history",
        "history_kind",
        "draft",
        "call",
        "reason",
        "ids",
        "overdue",
        "won_summary",
        "column",
        "download",
    }
)
VERBS = frozenset({"read", "create", "update", "delete"})
# Words that start what a noun belongs to: "a note *on* the deal", "stages *in* pipeline X".
_PREPOSITIONS = frozenset({"to", "on", "in", "for", "from", "with", "of", "under", "at", "into", "onto", "about", "by"})
# Words that may stand between a noun and the id that follows it: "the contact id 5f...".
_ID_LEAD_INS = frozenset({"the", "a", "an", "id", "no", "number"})
_RECORDS = frozenset({"contact", "deal"})
# Prepositions after which a record is the one a request changes: "add her linkedin *to* the record".
_TARGETS = frozenset({"to", "on", "onto", "into"})
_PAYLOAD = 0.5
"""Strength of the signals after a colon: the content of a note or a task, not the request."""
_NEGATIONS = frozenset({"not", "nor", "instead"})
# Nouns that are also verbs at the start of a request, with the verb they are: "tag deal X as
# upsell" adds a tag to a deal, "note on contact X: ..." writes a note.
_NOUN_VERBS = {
    "tag": "update",
    "label": "update",
    "note": "create",
    "draft": "create",
    "email": "create",
    "log": "create",
    "call": "create",
    "file": "create",
    "remind": "create",
    "jot": "create",
}
# Pronouns that point at a person: "bump her to Contacted" moves a contact.
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers", "them"})
# What a lead is when nothing speaks of its pipeline: someone to add ("add a new lead: ...").
_LEAD_PIPELINE_SIGNALS = ("pipeline", "stage", "won", "lost", "undo")
HEAD = 1.0
"""Strength of the concept a request acts on."""
MODIFIER = 0.6
"""Strength of a concept named after a preposition or later in the request."""
_WORD = re.compile(r"[A-Za-z0-9]+|[.;:!?,()\[\]]|\s-\s")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<![a-z])'[^']*'(?![a-z])")
_APOSTROPHES = re.compile(r"['\u2019]")


@dataclass(frozen=True, slots=True)
class Intent:
    """The signals of one request, each with its strength, and what it pasted."""

    signals: Mapping[str, float]
    pasted: Pasted
    head: str | None = None
    """The concept the request acts on, when it names one."""
    plural: bool = False
    """The head is named in the plural ("notes"): the request wants a list."""
    id_owners: tuple[str | None, ...] = ()
    """For each pasted id, the concept it follows ("deal 5f..." is a deal's), or None."""

    def __getitem__(self, signal: str) -> float:
        return self.signals.get(signal, 0.0)

    @property
    def concepts(self) -> frozenset[str]:
        """The concepts the request names."""
        return frozenset(s for s in self.signals if s in CONCEPTS)


@functools.cache
def _table() -> tuple[dict[tuple[str, ...], dict[str, float]], int]:
    entries: dict[tuple[str, ...], dict[str, float]] = {}
    for left, right in table_rules(_TABLE):
        signals: dict[str, float] = {}
        for item in right.split():
            name, _, weight = item.partition(":")
            signals[name] = float(weight) if weight else 1.0
        for phrase in left.split():
            if phrase.startswith("="):  # this form only: "=tagged" is not "tag"
                key = tuple("=" + w for w in phrase[1:].split("-"))
            else:
                key = tuple(stem(w) for w in phrase.split("-"))
            entries.setdefault(key, {}).update(signals)
    return entries, max(len(k) for k in entries)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@functools.cache
def _near_words() -> dict[str, str]:
    """Single-word table entries by their one-letter deletions, to read misspellings."""
    near: dict[str, str] = {}
    for key in _table()[0]:
        if len(key) == 1 and len(key[0]) >= 4:
            for variant in _deletions(key[0]):
                near.setdefault(variant, key[0])
    return near


def _spelled(word: str, known: Mapping[tuple[str, ...], object]) -> str:
    """``word``, or the table word it misspells (one letter dropped, added, changed or swapped)."""
    if (word,) in known or len(word) < 5 or word.isdigit():
        return word
    near = _near_words()
    if word in near:  # one letter added
        return near[word]
    for variant in _deletions(word):  # one letter dropped, changed or two swapped
        if (variant,) in known:
            return variant
        if variant in near:
            return near[variant]
    return word


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Words and punctuation, each with whether it is part of a name (and so not a request word)."""
    text = _QUOTED.sub(" , ", _APOSTROPHES.sub("", text))
    raw = _WORD.findall(text)
    tokens: list[tuple[str, bool]] = []
    for i, word in enumerate(raw):
        capital = word[:1].isupper() and i > 0 and raw[i - 1] not in ".;:!?"
        previous_capital = i > 1 and raw[i - 1][:1].isupper() and raw[i - 2] not in ".;:!?"
        # Two capitalised words in a row mid-sentence are a name: "Halvorsen Group", "Lead Channel".
        tokens.append((word.lower(), capital and previous_capital))
        if capital and previous_capital and tokens[-2][0].isalpha():
            tokens[-2] = (tokens[-2][0], True)
    return tokens


@functools.cache
def _dictionary() -> frozenset[str]:
    """English words (the embedding model's vocabulary, shipped here): these are never misspellings."""
    data = resources.files(__package__).joinpath("minilm_vocab.txt.gz").read_bytes()
    return frozenset(w for w in gzip.decompress(data).decode().splitlines() if w.isalpha())


class _Reader:
    """Reads one request left to right, collecting signals, the head concept and whose ids it pastes."""

    def __init__(self, pasted: Pasted) -> None:
        self.entries, self.longest = _table()
        self.tokens = _tokens(pasted.marked or pasted.text)
        dictionary = _dictionary()
        self.words = [
            w if w == ID_MARK else "," if name or not w.isalnum() else self._spelled(w, dictionary)
            for w, name in self.tokens
        ]
        self.signals: dict[str, float] = {}
        self.head: str | None = None
        self.plural = False
        self.id_owners: list[str | None] = []
        self.targets: list[str] = []  # concepts named after a preposition
        self.verb_seen = False

    def _spelled(self, word: str, dictionary: frozenset[str]) -> str:
        stemmed = stem(word)
        if word in dictionary or (stemmed,) in self.entries:
            return stemmed
        return _spelled(stemmed, self.entries)

    def add(self, name: str, strength: float) -> None:
        if strength > self.signals.get(name, 0.0):
            self.signals[name] = strength

    def read(self) -> None:
        after_preposition = negated = payload = False
        preposition = ""
        last_concept: str | None = None
        head_end = -1  # where the head's words end, to read compounds ("deal tag": a tag)
        i = 0
        while i < len(self.words):
            word, raw = self.words[i], self.tokens[i][0]
            if word == ID_MARK:
                self.id_owners.append(last_concept)
                last_concept = None
                i += 1
                continue
            if word == ",":
                after_preposition = negated = False
                payload = payload or raw == ":"  # what follows a colon is the content: a note's text
                last_concept = None
                i += 1
                continue
            if raw in _NEGATIONS:
                negated = True
                i += 1
                continue
            found, size = self._match(i)
            if raw in _PREPOSITIONS and size == 1:
                after_preposition = True
                preposition = raw
            if found is None:
                if word in _PERSON_PRONOUNS:
                    self.add("contact", MODIFIER)
                if raw not in _ID_LEAD_INS:
                    last_concept = None
                i += 1
                continue
            first_word = i == 0 and raw in _NOUN_VERBS
            noun = "condition" not in found  # "tagged vip" filters; it does not name the object
            compound = noun and i == head_end and not after_preposition and not payload
            last_concept = None
            role = 1.0  # the same for every concept of one word: its own, and the ones it implies
            for position, (name, weight) in enumerate(found.items()):
                strength = weight * (_PAYLOAD if payload else 1.0)
                if name in CONCEPTS:
                    if negated:
                        continue
                    if position == 0:
                        if compound and self.head is not None and name != self.head:
                            # The last noun of a compound is its head: "deal tag", "contact field".
                            self.signals[self.head] = min(self.signals.get(self.head, 0.0), MODIFIER)
                            self.head = None
                        eligible = noun and (first_word or (not after_preposition and not payload))
                        if self.head is None and eligible:
                            self.head = name
                            head_end = -1 if first_word else i + size
                            last = self.tokens[i + size - 1][0]
                            self.plural = last.endswith("s") and stem(last) != last
                        elif name != self.head:
                            role = MODIFIER
                        if after_preposition and preposition in _TARGETS:
                            self.targets.append(name)
                        if not first_word:
                            last_concept = name
                    strength *= role
                elif name in VERBS and not payload:
                    self.verb_seen = True
                self.add(name, strength)
            if first_word:
                self.add(_NOUN_VERBS[raw], 1.0)
                self.add("create", 0.6)
                self.verb_seen = True
            i += size

    def _match(self, i: int) -> tuple[dict[str, float] | None, int]:
        for n in range(min(self.longest, len(self.words) - i), 0, -1):
            exact = tuple("=" + t for t, _ in self.tokens[i : i + n])
            found = self.entries.get(exact) or self.entries.get(tuple(self.words[i : i + n]))
            if found is not None:
                return found, n
        return None, 1

    def finish(self, pasted: Pasted) -> Intent:
        signals = self.signals
        if not self.verb_seen:
            self.add("read", 0.5)  # a request without a verb is a question
        if "lead" in signals and not any(s in signals for s in _LEAD_PIPELINE_SIGNALS):
            # "add a new lead" adds a contact; a lead in a pipeline is moved, won or lost.
            self.add("contact", signals["lead"])
            signals["lead"] *= MODIFIER
            self.head = "contact" if self.head == "lead" else self.head
        records = [t for t in self.targets if t in _RECORDS]
        if records and signals.get("create") and self.head in (None, "contact"):
            # "add Sara to the Acme deal", "add her linkedin to the record": the target is updated.
            target = records[-1]
            if self.head != target:
                self.add("update", signals["create"])
                self.head = target
                self.add(target, HEAD)
        if pasted.ids > 1:
            self.add("many", 1.0)
        if "many" in signals:
            for action in ("sync", "bulk"):
                self.add(action, MODIFIER * signals["many"])
        return Intent(
            {k: v for k, v in signals.items() if v > 0},
            pasted,
            self.head,
            self.plural,
            tuple(self.id_owners),
        )


def intent(pasted: Pasted) -> Intent:
    """The signals of a request (already parsed by :func:`._query.parse`)."""
    reader = _Reader(pasted)
    reader.read()
    return reader.finish(pasted)
