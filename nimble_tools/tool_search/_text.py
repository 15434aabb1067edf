"""Text to terms: the tokenizer, stop words and light stemmer shared by the index and the queries.

Both sides of a match go through :func:`terms`, so ``contacts``, ``contact`` and ``contacted`` meet
in one term. The stemmer is deliberately small (plural, ``-ing``, ``-ed`` and a few more): the
catalog is a few thousand words of plain English, and a full Snowball stemmer would bring a
dependency without changing which tool wins.
"""

from __future__ import annotations

import re

__all__ = ["STOP_WORDS", "stem", "table_rules", "terms"]

_WORD = re.compile(r"[a-z0-9]+")

_STOP_TEXT = """a an the and or of to in on at for from with by as is are was were be been being it its this that these
those i me my we our us you your he she him her his they them their there here what which who whom whose
when where how do does did done doing can could would should will shall may might must please just also
not no yes so than then too very some any all each every one up out over into about again get got give
let lets need want wants like make sure thing things stuff e g eg ie etc via per only own same other"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
"""Words that say nothing about which tool is meant. ``all`` and ``get`` are here because nearly
every Nimble tool name carries them; ``new``, ``delete``, ``list`` are not: they choose the verb."""

_SUFFIXES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("iness", "y"),
    ("ities", "ity"),
    ("ments", "ment"),
    ("ying", "y"),
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
)
_KEEP = frozenset({"news", "status", "address", "business", "process", "class", "less", "was", "has", "is", "this"})


def stem(word: str) -> str:
    """A light English stem: ``contacts``, ``contacted`` -> ``contact``; ``create``, ``created`` -> ``creat``."""
    if len(word) <= 3 or word in _KEEP or word.isdigit():
        return word
    base = word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(replacement) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            if suffix == "es" and not word.endswith(("sses", "shes", "ches", "xes", "zes")):
                continue  # 'notes': only the s goes (the next suffix)
            base = word[: len(word) - len(suffix)] + replacement
            # 'stopped' -> 'stop', 'tagging' -> 'tag'
            if suffix in ("ing", "ed") and len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            break
    # A final e goes too, so that 'create' and 'created' (-> 'creat') meet.
    if len(base) > 3 and base.endswith("e"):
        base = base[:-1]
    return base


def words(text: str) -> list[str]:
    """Lower-cased words and numbers of ``text``, ``snake_case`` names split into words."""
    return _WORD.findall(text.lower().replace("_", " "))


def terms(text: str) -> list[str]:
    """The index terms of ``text``: words without stop words, stemmed."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


def table_rules(table: str) -> list[tuple[str, str]]:
    """The rules of a ``words -> targets`` table, as (left, right) pairs.

    An indented line continues the rule above it; blank lines and ``#`` comments are skipped.
    """
    rules: list[str] = []
    for raw in table.strip().splitlines():
        if raw.startswith("    ") and rules:
            rules[-1] += " " + raw.strip()
        elif raw.strip() and not raw.startswith("#"):
            rules.append(raw.strip())
    return [(left, right) for left, _, right in (rule.partition("->") for rule in rules)]
