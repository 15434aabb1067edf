"""How users say it -> how the catalog says it.

People ask for "my history with Jane" or "we closed the Acme deal"; the catalog says
"proceedings" and "successful". This table bridges the two: each line maps words or short phrases a
user might write (left) to the catalog's words (right). Queries are expanded with the right-hand
words at a lower weight, so a user's own words still count most.

It was written from the Nimble domain (what a salesperson calls things) before the labelled
requests of the held-out split were looked at; see ``tests/test_tool_search.py``.
"""

from __future__ import annotations

import functools

from ._text import table_rules, terms

__all__ = ["expansions", "phrase_expansions"]

_TABLE = """
# verbs
add new make start save log jot setup enter register track -> create
show see view list display read pull fetch look browse give find open -> list get
change edit modify rename fix correct adjust bump reassign alter tweak amend -> update
remove delete drop erase wipe discard throw trash purge rid retire detach unlink -> delete
# who and what
person people persons customer customers client clients prospect prospects lead leads someone everyone
    everybody company companies organisation organization org account accounts profile record records
    individual buyer -> contact
opportunity opportunities sale sales -> deal
funnel funnels process board kanban -> pipeline
step steps phase phases -> stage
label labels labelled labeled -> tag
comment comments memo remark remarks summary jot minutes -> note
history timeline interaction interactions activity activities happened talk talked conversation
    conversations touchpoint touchpoints engagement last-contacted -> proceeding feed
source sources kinds types -> provider
property properties attribute attributes custom -> field
dropdown drop-down picklist pick-list option options value values choices -> choice
section sections heading headings -> group
page pages screen -> tab
email emails mail message messages unsent drafted -> message draft
attachment attachments document documents pdf doc docs contract proposal quote -> file
download link url -> download url
won win wins winning closed signed converted -> won successful
lost lose losing cold fell declined rejected no-go -> unsuccessful lost
revert undo mistake rollback -> undo
hide shelve shelved mothball -> archive
restore bring-back unhide reactivate -> unarchive
late overdue past-due behind -> overdue
primary main default preferred -> primary
count ids how-many -> ids
mass bulk every all-matching everything-matching -> bulk
me myself whoami credentials token api-key logged-in my-user who-am -> me myself authenticated user
owner owners rep reps salesperson salespeople seller -> owner
why reason reasons -> reason
layout form -> field tab group
column columns sortable table -> column catalogue
amount worth value revenue -> deal
several many batch -> standard
remind reminder reminders todo to-do follow-up followup schedule chore -> task
assign reassign hand-over handover -> owner
upcoming agenda calendar plate meeting meetings event events call calls -> activity
"""


@functools.cache
def _parsed() -> tuple[dict[str, tuple[str, ...]], dict[tuple[str, ...], tuple[str, ...]]]:
    words: dict[str, set[str]] = {}
    phrases: dict[tuple[str, ...], set[str]] = {}
    for left, right in table_rules(_TABLE):
        targets = set(terms(right))
        for item in left.split():
            key = tuple(terms(item.replace("-", " ")))
            if not key:
                continue
            if len(key) == 1:
                words.setdefault(key[0], set()).update(targets)
            else:
                phrases.setdefault(key, set()).update(targets)
    return (
        {k: tuple(sorted(v - {k})) for k, v in words.items()},
        {k: tuple(sorted(v)) for k, v in phrases.items()},
    )


def expansions(term: str) -> tuple[str, ...]:
    """Catalog terms a user's (stemmed) term stands for; empty when the table has none."""
    return _parsed()[0].get(term, ())


def phrase_expansions(query_terms: list[str]) -> list[str]:
    """Catalog terms for multi-word phrases (``past due``, ``bring back``) found in the query."""
    found: list[str] = []
    for phrase, targets in _parsed()[1].items():
        n = len(phrase)
        if any(tuple(query_terms[i : i + n]) == phrase for i in range(len(query_terms) - n + 1)):
            found.extend(targets)
    return found
