"""The sandbox's contact index: the same answers as a full scan, kept current through every write."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest

from nimble_tools.sandbox import Sandbox, seed_contacts, synthetic_person
from nimble_tools.sandbox._index import contact_pool
from nimble_tools.sandbox._search import compile_query


def client(box: Sandbox) -> httpx.Client:
    return httpx.Client(
        transport=box.transport(), base_url="http://sandbox", headers={"Authorization": f"Bearer {box.api_key}"}
    )


def search_ids(box: Sandbox, query: dict[str, Any]) -> set[str]:
    with client(box) as http:
        response = http.get("/api/v1/contacts/ids", params={"query": json.dumps(query), "per_page": 1000})
    response.raise_for_status()
    return set(response.json()["resources"])


def scan_ids(box: Sandbox, query: dict[str, Any]) -> set[str]:
    compiled = compile_query(box.state, query)
    return {r["id"] for r in box.state.table("contacts").quiet_values() if compiled.matches(r)}


def test_synthetic_people_are_distinct_and_repeatable() -> None:
    people = [synthetic_person(n) for n in range(3000)]
    assert len({p["email"] for p in people}) == len({p["phone"] for p in people}) == 3000
    assert synthetic_person(42) == people[42]
    assert all(p["phone"].startswith("+1") and len(p["phone"]) == 12 for p in people)


def test_index_answers_exactly_like_a_full_scan() -> None:
    box = Sandbox()
    seed_contacts(box.state, 400)
    rng = random.Random(4)
    people = [synthetic_person(n) for n in range(400)]
    queries: list[dict[str, Any]] = []
    for _ in range(30):
        sample = rng.sample(people, 5)
        queries += [
            {"email": {"in": [p["email"].upper() for p in sample]}},
            {"or": [{"phone": {"in": [p["phone"] for p in sample]}}, {"tag": {"is": "vip"}}]},
            {
                "and": [
                    {"last name": {"in": [p["last"] for p in sample]}},
                    {"company_name": {"in": [sample[0]["company"]]}},
                ]
            },
            {"and": [{"record type": {"is": "person"}}, {"or": [{"first name": {"is": sample[1]["first"]}}]}]},
            {
                "or": [{"email": {"is": sample[2]["email"]}}, {"names": {"contain": sample[3]["last"]}}]
            },  # not narrowable
            {"and": [{"email": {"is": sample[4]["email"]}}, {"not": [{"tag": {"is": "vip"}}]}]},
        ]
    for query in queries:
        assert search_ids(box, query) == scan_ids(box, query), query


def test_index_follows_creates_updates_deletes_and_direct_changes() -> None:
    box = Sandbox(seed=False)
    query = {"email": {"is": "new@x.example"}}
    assert search_ids(box, query) == set()  # builds the index
    with client(box) as http:
        created = http.post(
            "/api/v1/contact",
            json={"fields": {"first name": [{"value": "New"}], "email": [{"value": "new@x.example"}]}},
        ).json()
        assert search_ids(box, query) == {created["id"]}
        http.put(f"/api/v1/contact/{created['id']}", json={"fields": {"email": [{"value": "moved@x.example"}]}})
        assert search_ids(box, query) == set()
        assert search_ids(box, {"email": {"is": "moved@x.example"}}) == {created["id"]}
        # a change made by reaching the record through the table, as a route handler would
        box.state.table("contacts")[created["id"]]["tags"].append("hand-made")
        assert search_ids(box, {"tag": {"is": "hand-made"}}) == {created["id"]}
        # a change made while walking every record
        for record in box.state.table("contacts").values():
            record["tags"].append("walked")
        assert search_ids(box, {"tag": {"is": "walked"}}) == {created["id"]}
        http.delete(f"/api/v1/contact/{created['id']}")
        assert search_ids(box, {"email": {"is": "moved@x.example"}}) == set()


@pytest.mark.parametrize(
    ("query", "narrowed"),
    [
        ({"email": {"is": "a@b.c"}}, True),
        ({"and": [{"email": {"is": "a@b.c"}}, {"names": {"contain": "x"}}]}, True),
        ({"or": [{"email": {"is": "a@b.c"}}, {"names": {"contain": "x"}}]}, False),
        ({"not": [{"email": {"is": "a@b.c"}}]}, False),
        (None, False),
    ],
    ids=["is", "and-with-one-exact-part", "or-with-a-fuzzy-part", "not", "no-query"],
)
def test_only_exact_parts_narrow_the_pool(query: dict[str, Any] | None, narrowed: bool) -> None:
    box = Sandbox()
    pool = list(contact_pool(box.state, query))
    assert (len(pool) < len(box.state.table("contacts"))) is narrowed
