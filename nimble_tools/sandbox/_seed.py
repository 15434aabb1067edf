"""Demo data: a small, believable account, the same in every run."""

from __future__ import annotations

import json
import random

from ._contacts import new_contact
from ._deals_seed import seed_deal_account, seed_deals
from ._state import SandboxState

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


def seed_demo(state: SandboxState) -> None:
    """People, companies and tags to explore; deterministic."""
    rng = random.Random(1)
    for company, domain, tags in _COMPANIES:
        new_contact(
            state,
            "company",
            {
                "company name": [{"value": company, "modifier": ""}],
                "domain": [{"value": domain, "modifier": ""}],
            },
            tags=tags,
        )
    for first, last, company, title, tags in _PEOPLE:
        slug = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
        domain = next((d for c, d, _ in _COMPANIES if c == company), "example.com")
        new_contact(
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
            },
            tags=tags,
        )
    seed_deals(state)
