"""The name budget: tool names that still fit 64 characters behind a client's prefix.

Hosts cap tool names at 64 characters (OpenAI, Anthropic, MCP clients), and some clients put their
own prefix in front: Claude Code exposes an MCP tool as ``mcp__<server>__<tool>``, so behind
``mcp__nimble__`` (13 characters) a name has 51 left. Nimble's longest names are exactly 51, so a
longer server name, or any prefix added by a view, overflows.

:func:`short_alias` shortens a name in steps, each applied only if the name is still too long, so
that the alias stays readable and depends on nothing but the name and the budget (it is stable
across releases and across which other tools are emitted):

1. drop filler words (``a``, ``all``, ``single``, ``by``, ``id``);
2. abbreviate long words (``pipeline`` -> ``pipe``, ``transition`` -> ``trans`` ...);
3. cut the name and add six hex characters of its SHA-1, which keeps distinct names distinct.

:func:`short_aliases` applies it to a whole list and checks the result for collisions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

from ._errors import UsageError

__all__ = [
    "COMMON_CLIENT_PREFIXES",
    "MAX_NAME_LENGTH",
    "close_names",
    "over_budget",
    "short_alias",
    "short_aliases",
]

MAX_NAME_LENGTH = 64
COMMON_CLIENT_PREFIXES: tuple[str, ...] = ("mcp__nimble__", "mcp__nimble-crm__", "nimble__")
"""Prefixes clients are known to add: Claude Code's ``mcp__<server>__`` with two usual server names,
and the ``<server>__`` form of MCP gateways that merge several servers."""

_FILLER = frozenset({"a", "all", "single", "by", "id"})
_ABBREVIATIONS: Mapping[str, str] = {
    "pipelines": "pipes",
    "pipeline": "pipe",
    "transition": "trans",
    "unsuccessfully": "lost",
    "unsuccessful": "lost",
    "successful": "won",
    "contacts": "cts",
    "contact": "ct",
    "fields": "flds",
    "field": "fld",
    "group": "grp",
    "choice": "opt",
    "message": "msg",
    "proceedings": "feed",
    "proceeding": "feed",
    "providers": "provs",
    "catalogue": "cat",
    "nimble": "nb",
}
_HASH_LENGTH = 6
_VALID = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def short_alias(name: str, budget: int = MAX_NAME_LENGTH) -> str:
    """``name`` itself when it fits ``budget`` characters, else a shorter, stable alias."""
    if budget < _HASH_LENGTH + 4:
        raise UsageError(f"A name budget of {budget} characters is too small; keep the client prefix short.")
    if len(name) <= budget:
        return name
    words = name.split("_")
    kept = [w for w in words if w.lower() not in _FILLER] or words
    candidate = "_".join(kept)
    if len(candidate) <= budget:
        return candidate
    candidate = "_".join(_ABBREVIATIONS.get(w.lower(), w) for w in kept)
    if len(candidate) <= budget:
        return candidate
    digest = hashlib.sha1(name.encode()).hexdigest()[:_HASH_LENGTH]
    return f"{candidate[: budget - _HASH_LENGTH - 1].rstrip('_')}_{digest}"


def short_aliases(names: Iterable[str], budget: int = MAX_NAME_LENGTH) -> dict[str, str]:
    """Aliases for the names that do not fit ``budget``, checked to collide with nothing.

    A shortened name that would equal another tool's name or alias falls back to the hashed form.

    Raises:
        UsageError: if two names still end up equal (only with a budget too small to hold a hash).
    """
    names = list(names)
    taken = {n for n in names if len(n) <= budget}
    aliases: dict[str, str] = {}
    for name in names:
        if len(name) <= budget:
            continue
        alias = short_alias(name, budget)
        if alias in taken:
            digest = hashlib.sha1(name.encode()).hexdigest()[:_HASH_LENGTH]
            alias = f"{alias[: budget - _HASH_LENGTH - 1].rstrip('_')}_{digest}"
        if alias in taken or not _VALID.match(alias):
            raise UsageError(f"No collision-free short name for {name!r} within {budget} characters.")
        taken.add(alias)
        aliases[name] = alias
    return aliases


def over_budget(
    names: Iterable[str], prefixes: Iterable[str] = COMMON_CLIENT_PREFIXES, limit: int = MAX_NAME_LENGTH
) -> list[tuple[str, str, int]]:
    """``(prefix, name, length)`` for every name that overflows ``limit`` behind one of the prefixes."""
    prefixes = list(prefixes)
    return [(p, n, len(p) + len(n)) for n in names for p in prefixes if len(p) + len(n) > limit]


# -- "did you mean" ---------------------------------------------------------------------------------

_NOISE = frozenset({"nimble", "a", "all", "by", "id", "single", "the"})


def _words(name: str) -> set[str]:
    words = set()
    for word in re.split(r"[^a-z0-9]+", name.lower()):
        if word and word not in _NOISE:
            words.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)  # contacts ~ contact
    return words


def close_names(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """The candidates closest to a mistyped tool ``name``, best first, for "did you mean" hints.

    A candidate qualifies by spelling (``difflib``'s ratio of at least 0.6) or by sharing at least
    half of ``name``'s words (``list_contacts`` finds ``list_all_nimble_contacts``); the ones that
    share more words come first, then the better spelled.
    """
    import difflib

    wanted = _words(str(name))
    scored = []
    for candidate in candidates:
        spelling = difflib.SequenceMatcher(None, str(name), candidate).ratio()
        shared = len(wanted & _words(candidate)) / len(wanted) if wanted else 0.0
        if spelling >= 0.6 or shared >= 0.5:
            scored.append((-shared, -spelling, len(candidate), candidate))
    return [candidate for *_, candidate in sorted(scored)[:limit]]
