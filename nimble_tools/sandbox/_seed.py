"""Demo data: a small, believable account, the same in every run (relative to the sandbox clock)."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from ._contacts import new_contact
from ._deals_seed import seed_deal_account, seed_deals
from ._state import SandboxState, iso_millis, iso_offset

__all__ = ["seed_account", "seed_demo"]

_PEOPLE = [
    ("Ada", "Lovelace", "Analytical Engines", "CTO", ["vip", "customer"]),
    ("Grace", "Hopper", "Compiler Works", "Rear Admiral", ["customer"]),
    ("Alan", "Turing", "Bletchley Labs", "Researcher", ["prospect"]),
    ("Zoë", "Durand", "Acme Corp", "Head of Sales", ["prospect", "europe"]),
    ("José", "Núñez", "Acme Corp", "Buyer", ["europe"]),
    ("Jane", "Smith", "Globex", "VP Marketing", ["customer", "vip"]),
    ("John", "Doe", "Globex", "Engineer", []),
    ("Mei", "Chen", "Initech", "Founder", ["partner"]),
    ("Omar", "Haddad", "Initech", "COO", ["partner"]),
    ("Priya", "Patel", "Umbrella Health", "Procurement", ["prospect"]),
    ("Lars", "Eriksson", "Nordic Timber", "CEO", ["europe", "customer"]),
    ("Fatima", "Zahra", "Sahara Solar", "Director", []),
]
_COMPANIES = [
    ("Acme Corp", "acme.example", ["customer"]),
    ("Globex", "globex.example", ["customer"]),
    ("Initech", "initech.example", ["partner"]),
    ("Analytical Engines", "engines.example", ["vip"]),
    ("Umbrella Health", "umbrella.example", ["prospect"]),
    ("Nordic Timber", "timber.example", []),
]
_CITIES = [
    ("London", "UK"),
    ("Arlington", "US"),
    ("Manchester", "UK"),
    ("Paris", "France"),
    ("Sevilla", "Spain"),
    ("Los Angeles", "US"),
    ("Chicago", "US"),
    ("Shanghai", "China"),
    ("Dubai", "UAE"),
    ("Mumbai", "India"),
    ("Stockholm", "Sweden"),
    ("Casablanca", "Morocco"),
]


def seed_account(state: SandboxState) -> None:
    """The account's users; every sandbox has these, seeded or not."""
    for name, email in (("Sandbox Admin", "admin@sandbox.example"), ("Sam Seller", "sam@sandbox.example")):
        user_id = state.new_id()
        state.users[user_id] = {
            "user_id": user_id,
            "company_id": "5e0000000000000000000001",
            "email": email,
            "name": name,
            "company_size": 10,
        }
        state.me_id = state.me_id or user_id
    seed_deal_account(state)


def _ago(state: SandboxState, days: float) -> str:
    return iso_millis(state.now() - timedelta(days=days))


def _contact_ago(state: SandboxState, days: float) -> str:
    return iso_offset(state.now() - timedelta(days=days))


def seed_demo(state: SandboxState) -> None:
    """People, companies, notes, tasks, pipelines, drafts; deterministic."""
    rng = random.Random(1)
    for index, (company, domain, tags) in enumerate(_COMPANIES):
        record = new_contact(
            state,
            "company",
            {
                "company name": [{"value": company, "modifier": ""}],
                "domain": [{"value": domain, "modifier": ""}],
            },
            tags=tags,
        )
        record["created"] = record["updated"] = _contact_ago(state, 400 - index * 10)
    people = []
    for index, (first, last, company, title, tags) in enumerate(_PEOPLE):
        slug = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
        domain = next((d for c, d, _ in _COMPANIES if c == company), "example.com")
        city, country = _CITIES[index]
        record = new_contact(
            state,
            "person",
            {
                "first name": [{"value": first, "modifier": ""}],
                "last name": [{"value": last, "modifier": ""}],
                "email": [{"value": f"{slug}@{domain}", "modifier": "work"}],
                "phone": [{"value": f"+1 415 555 {rng.randint(1000, 9999)}", "modifier": "work"}],
                "contact employment": [
                    {"value": json.dumps({"company_name": company, "title": title}), "modifier": ""}
                ],
                "address": [{"value": json.dumps({"city": city, "country": country}), "modifier": "work"}],
                "birthday": [{"value": f"{index % 12 + 1:02d}/{index + 10:02d}/19{70 + index}", "modifier": ""}],
                "rating": [{"value": str(index % 6), "modifier": ""}],
            },
            tags=tags,
        )
        # spread creation over the past year: person i was added 30*i + 5 days ago
        record["created"] = record["updated"] = _contact_ago(state, 30 * index + 5)
        people.append(record)
    me = state.me
    for days, person in ((3, people[0]), (40, people[1]), (200, people[5])):
        # "LCType<message>": the provider type as the spec's contact example writes it
        contact = {"user_id": me["user_id"], "object_id": state.new_id(), "type": "LCType<message>"}
        stamp = {**contact, "tstamp": _contact_ago(state, days), "deletion_tstamp": None, "direction": "outbound"}
        person["last_contacted"] = stamp
        person["company_last_contacted"] = {"in": None, "out": stamp}
    _seed_notes(state, people)
    _seed_tasks(state, people)
    _seed_pipelines(state, people)
    _seed_drafts(state, people)
    seed_deals(state)
    state.table("saved_searches")["5e00000000000000000000aa"] = {"name": "VIPs", "query": {"tag": {"is": "vip"}}}


def _seed_notes(state: SandboxState, people: list[dict[str, object]]) -> None:
    notes = state.table("contact_notes")
    texts = [
        ("<p>Intro call: interested in the <b>enterprise</b> plan.</p>", "Intro call: enterprise plan", [0]),
        ("<p>Sent pricing; follow up next week.</p>", "Sent pricing", [0, 5]),
        ("<p>Met at the Paris trade fair.</p>", "Met at the Paris trade fair", [3]),
    ]
    for days, (text, preview, who) in zip((20, 10, 5), texts, strict=True):
        note_id = state.new_id()
        notes[note_id] = {
            "id": note_id,
            "note": text,
            "note_preview": preview,
            "contact_ids": [str(people[i]["id"]) for i in who],
            "owner_id": state.me_id,
            "created": _ago(state, days),
            "updated": _ago(state, days),
        }


def _seed_tasks(state: SandboxState, people: list[dict[str, object]]) -> None:
    tasks = state.table("tasks")
    rows = [
        ("Send the proposal", 2, None, [0], ["sales"], True),
        ("Book a demo", 7, None, [5], [], False),
        ("Call back about the invoice", -3, None, [1], ["billing"], False),
        ("Kick-off meeting", -30, 29, [0, 5], ["sales"], False),
    ]
    for subject, due_in, done_ago, who, tags, important in rows:
        task_id = state.new_id()
        due = (state.now() + timedelta(days=due_in)).strftime("%Y-%m-%dT09:00:00Z")
        tasks[task_id] = {
            "id": task_id,
            "subject": subject,
            "notes": None,
            "due_date": due,
            "completed_time": _ago(state, done_ago) if done_ago is not None else None,
            "assigned_to": state.me_id,
            "owner_id": state.me_id,
            "contacts": [str(people[i]["id"]) for i in who],
            "deals": [],
            "tags": tags,
            "is_important": important,
            "created": _ago(state, 45),
            "updated": _ago(state, 45),
        }


def _seed_pipelines(state: SandboxState, people: list[dict[str, object]]) -> None:
    pipeline_id = state.new_id()
    created = _ago(state, 365)
    stage_names = [("New lead", False, 14), ("Qualified", False, 30), ("Won", True, None), ("Lost", True, None)]
    stages = [
        {
            "stage_id": state.new_id(),
            "pipeline_id": pipeline_id,
            "name": name,
            "description": "",
            "position": position,
            "days_limit": days,
            "role": {"name": "won" if name == "Won" else "lost" if name == "Lost" else "open", "is_final": final},
            "archived_at": None,
            "created": created,
            "updated": created,
            "creator_id": state.me_id,
        }
        for position, (name, final, days) in enumerate(stage_names)
    ]
    state.table("lead_pipelines")[pipeline_id] = {
        "pipeline_id": pipeline_id,
        "name": "Sales leads",
        "description": "Inbound leads from the website",
        "color": "#3c8dbc",
        "created": created,
        "updated": created,
        "archived_at": None,
        "creator_id": state.me_id,
        "fields": [{"column_id": "rating", "enabled": True}],
        "stages": stages,
        "lost_reasons": [{"id": state.new_id(), "text": "Too expensive"}, {"id": state.new_id(), "text": "No budget"}],
    }
    stage_is_final = {name: final for name, final, _ in stage_names}
    for person, stage in ((people[2], stages[0]), (people[9], stages[1])):
        person["stages_info"] = [
            {
                "pipeline_id": pipeline_id,
                "pipeline_name": "Sales leads",
                "stage_name": stage["name"],
                "entered_data": _ago(state, 12),
                "is_final": stage_is_final[str(stage["name"])],
                "days_limit": stage["days_limit"],
            }
        ]


def _seed_drafts(state: SandboxState, people: list[dict[str, object]]) -> None:
    first = people[0]["fields"]
    assert isinstance(first, dict)
    address = first["email"][0]["value"]
    draft_id = state.new_id()
    state.table("drafts")[draft_id] = {
        "draft_id": draft_id,
        "specification": {
            "subject": "Our proposal",
            "body": "<p>Hi Ada, here is the proposal we discussed.</p>",
            "recipients": [{"account_type": "email", "identifier": address}],
            "cc": [],
            "bcc": [],
            "attachments": [],
            "in_reply_to": None,
            "sender": {"account_type": "email", "identifier": state.me["email"]},
            "tracking_configuration": {"opens_tracking": True, "clicks_tracking": False},
        },
        "updated": _ago(state, 1),
        "creator_id": state.me_id,
    }
