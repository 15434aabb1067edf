"""Matching leads to contacts: one search query for many leads, and the decision per lead.

The query is a superset filter (``email in [...]``, ``phone in [...]``, ``names in [...] and
company in [...]``) so that one request serves a whole batch; each candidate is then checked
against each lead locally, with the keys in their compared form. The strongest key with any
match decides: one contact there is a match, several are ambiguous (and ambiguity never creates).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nimble_tools_action_support import (
    contact_summary,
    employers,
    field_values,
    fold,
    full_name,
    normalise_email,
    phone_search_forms,
    try_normalise_phone,
)

from ._lead import MATCH_KEYS, Lead

__all__ = ["CandidatePool", "Decision", "decide", "lookup_query", "matched_keys", "missing_fields"]

Record = Mapping[str, Any]


@dataclass
class Decision:
    """What happened to one lead; :meth:`to_dict` is the decision record callers receive."""

    decision: str
    """``created``, ``matched``, ``ambiguous`` or ``failed``."""
    contact_id: str | None = None
    matched_on: list[str] = field(default_factory=list)
    """The keys the chosen contact matched (``email``, ``phone``, ``name_company``)."""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    """Every contact that matched some key, with the keys it matched."""
    filled: list[str] = field(default_factory=list)
    """Fields that were empty on the matched contact and were filled from the lead."""
    explanation: str = ""
    """One sentence for a reader: why this decision, and what (if anything) is left to do."""
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        record: dict[str, Any] = {
            "decision": self.decision,
            "contact_id": self.contact_id,
            "matched_on": self.matched_on,
            "candidates": self.candidates,
            "filled": self.filled,
            "explanation": self.explanation,
        }
        if self.error is not None:
            record["error"] = self.error
        return record


def lookup_query(leads: Sequence[Lead]) -> dict[str, Any]:
    """One NSE query that finds every existing contact any of ``leads`` could match.

    Emails and phones go in one ``in`` list each. Names are grouped per company
    (``company is C and last name in [...]``), which keeps the superset tight: a list of all
    names and a list of all companies would cross-match most of a large account.
    """
    emails = sorted({lead.normal_email for lead in leads if lead.normal_email})
    phones = sorted({form for lead in leads if lead.normal_phone for form in phone_search_forms(lead.normal_phone)})
    names_at: dict[str, tuple[set[str], set[str]]] = {}
    for lead in leads:
        if lead.company:
            firsts, lasts = names_at.setdefault(lead.company, (set(), set()))
            # Only one of the two needs to match here: the exact check on both is local.
            (lasts if lead.last_name else firsts).add(lead.last_name or lead.first_name or "")
    branches: list[dict[str, Any]] = []
    if emails:
        branches.append({"email": {"in": emails}})
    if phones:
        branches.append({"phone": {"in": phones}})
    for company, (firsts, lasts) in sorted(names_at.items()):
        by_name = [
            {f"{part} name": {"in": sorted(names)}} for part, names in (("first", firsts), ("last", lasts)) if names
        ]
        either_name = by_name[0] if len(by_name) == 1 else {"or": by_name}
        branches.append({"and": [{"company_name": {"is": company}}, either_name]})
    if not branches:
        raise ValueError("no lead has an identity key")  # Lead validation makes this unreachable
    either = branches[0] if len(branches) == 1 else {"or": branches}
    return {"and": [{"record type": {"is": "person"}}, either]}


class CandidatePool:
    """The persons a batch search returned, indexed so that each lead sees only its own few.

    Cheap keys pick a lead's candidates (exact email, the last 7 digits of a phone, the folded
    company); :func:`decide` then checks them exactly. Without this, every lead of a batch would be
    compared with every contact the batch found.
    """

    def __init__(self, records: Iterable[Record]) -> None:
        self.records = [r for r in records if r.get("record_type", "person") == "person"]
        self._by_key: dict[tuple[str, str], list[int]] = {}
        for position, record in enumerate(self.records):
            keys = {("email", e.strip().lower()) for e in field_values(record, "email")}
            keys |= {("phone", d[-7:]) for d in (_digits(p) for p in field_values(record, "phone")) if len(d) >= 7}
            keys |= {("company", fold(c)) for c in employers(record)}
            for key in keys:
                self._by_key.setdefault(key, []).append(position)

    def for_lead(self, lead: Lead) -> list[Record]:
        """The records that could match ``lead`` (a superset; :func:`decide` is exact)."""
        keys = []
        if lead.normal_email:
            keys.append(("email", lead.normal_email))
        if lead.normal_phone:
            keys.append(("phone", _digits(lead.normal_phone)[-7:]))
        if lead.company:
            keys.append(("company", fold(lead.company)))
        positions = sorted({p for key in keys for p in self._by_key.get(key, ())})
        return [self.records[p] for p in positions]


def matched_keys(lead: Lead, record: Record) -> list[str]:
    """The keys of ``lead`` that ``record`` matches, strongest first."""
    keys = lead.keys()
    found = []
    if "email" in keys and keys["email"] in {_email(v) for v in field_values(record, "email")}:
        found.append("email")
    if "phone" in keys and keys["phone"] in {
        try_normalise_phone(v, lead.country) for v in field_values(record, "phone")
    }:
        found.append("phone")
    if "name_company" in keys:
        name, company = keys["name_company"]
        if fold(full_name(record)) == name and company in {fold(c) for c in employers(record)}:
            found.append("name_company")
    return found


def decide(lead: Lead, records: Iterable[Record]) -> Decision:
    """Match ``lead`` against candidate ``records``: ``matched``, ``ambiguous`` or nothing yet.

    Returns a Decision with ``decision="create"`` when nothing matches (the caller creates).
    """
    hits: list[tuple[Record, list[str]]] = []
    for record in records:
        if record.get("record_type", "person") != "person":
            continue
        keys = matched_keys(lead, record)
        if keys:
            hits.append((record, keys))
    candidates = [{**contact_summary(r), "matched_on": keys} for r, keys in hits]
    for kind in MATCH_KEYS:
        tier = [(r, keys) for r, keys in hits if kind in keys]
        if len(tier) == 1:
            record, keys = tier[0]
            return Decision(
                "matched",
                str(record["id"]),
                keys,
                candidates,
                explanation=f"Found an existing contact by {_label(kind)}.",
            )
        if len(tier) > 1:
            return Decision(
                "ambiguous",
                None,
                [kind],
                candidates,
                explanation=f"{len(tier)} contacts share this {_label(kind)}; nothing was created. Pick one by id.",
            )
    return Decision("create", None, [], [])


def missing_fields(lead: Lead, record: Record) -> dict[str, list[dict[str, Any]]]:
    """The lead's fields that are empty on ``record`` (for filling a match)."""
    wanted = lead.contact_fields()
    return {name: values for name, values in wanted.items() if not field_values(record, name)}


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def _email(value: str) -> str | None:
    try:
        return normalise_email(value)
    except ValueError:
        return None


def _label(kind: str) -> str:
    return {"email": "email", "phone": "phone number", "name_company": "name and company"}[kind]
