"""Demo data: a small, believable account, the same in every run."""

from __future__ import annotations

import json
import random

from ._contacts import new_contact
from ._state import SandboxState

__all__ = ["seed_account", "seed_contacts", "seed_demo", "synthetic_person"]

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


# --- synthetic people in bulk, for benchmarks and load tests ------------------------------------

_FIRST = [
    "Aaron",
    "Abigail",
    "Adrian",
    "Aisha",
    "Alba",
    "Alice",
    "Amir",
    "Ana",
    "Andrei",
    "Anika",
    "Arjun",
    "Astrid",
    "Ben",
    "Bianca",
    "Bruno",
    "Carla",
    "Carlos",
    "Chen",
    "Chloe",
    "Clara",
    "Daniel",
    "Dara",
    "Diego",
    "Dmitri",
    "Elena",
    "Eli",
    "Emma",
    "Erik",
    "Eva",
    "Farah",
    "Felix",
    "Freya",
    "Gabriel",
    "Hana",
    "Hugo",
    "Ines",
    "Isaac",
    "Ivan",
    "Jade",
    "Jakob",
    "Javier",
    "Jin",
    "Joao",
    "Julia",
    "Kai",
    "Kamala",
    "Karin",
    "Kenji",
    "Lara",
    "Leo",
    "Lina",
    "Luca",
    "Maya",
    "Mateo",
    "Mia",
    "Milan",
    "Nadia",
    "Nina",
    "Noah",
    "Nora",
    "Olga",
    "Omar",
    "Oscar",
    "Paula",
    "Pedro",
    "Petra",
    "Quinn",
    "Rafael",
    "Rania",
    "Rosa",
    "Rui",
    "Sara",
    "Sven",
    "Tariq",
    "Tess",
    "Theo",
    "Uma",
    "Valentina",
    "Victor",
    "Wei",
    "Xavier",
    "Yara",
    "Yusuf",
    "Zara",
    "Zoe",
]
_LAST = [
    "Abbott",
    "Adeyemi",
    "Alvarez",
    "Andersen",
    "Bauer",
    "Becker",
    "Bianchi",
    "Brown",
    "Carter",
    "Castro",
    "Cohen",
    "Costa",
    "Dahl",
    "Diaz",
    "Dubois",
    "Evans",
    "Fischer",
    "Fontaine",
    "Garcia",
    "Gomez",
    "Gupta",
    "Hansen",
    "Hoffmann",
    "Ibrahim",
    "Ito",
    "Jansen",
    "Jensen",
    "Kaur",
    "Keller",
    "Kim",
    "Kowalski",
    "Larsen",
    "Laurent",
    "Lee",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Muller",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Ortiz",
    "Park",
    "Patel",
    "Perez",
    "Petrov",
    "Popescu",
    "Quinn",
    "Ramos",
    "Reyes",
    "Rossi",
    "Russo",
    "Sato",
    "Schmidt",
    "Silva",
    "Singh",
    "Smith",
    "Sousa",
    "Suzuki",
    "Tanaka",
    "Taylor",
    "Torres",
    "Varga",
    "Vogel",
    "Wagner",
    "Walker",
    "Weber",
    "Wilson",
    "Wong",
    "Yamamoto",
    "Young",
    "Zimmer",
]
_WORDS = [
    "Apex",
    "Arbor",
    "Atlas",
    "Beacon",
    "Birch",
    "Blue",
    "Bright",
    "Cedar",
    "Cobalt",
    "Coral",
    "Crest",
    "Delta",
    "Ember",
    "Falcon",
    "Fern",
    "Granite",
    "Harbor",
    "Helix",
    "Iris",
    "Juniper",
    "Keystone",
    "Lark",
    "Lumen",
    "Maple",
    "Meridian",
    "Nimbus",
    "North",
    "Oak",
    "Orbit",
    "Pine",
    "Pioneer",
    "Prism",
    "Quartz",
    "Raven",
    "River",
    "Sage",
    "Sierra",
    "Silver",
    "Solar",
    "Spruce",
    "Summit",
    "Tidal",
    "Vertex",
    "Willow",
    "Zenith",
]
_SUFFIXES = ("Labs", "Systems", "Group", "Partners", "Works", "Digital", "Health", "Logistics")
_AREA_CODES = (212, 213, 305, 312, 404, 415, 503, 512, 617, 646, 702, 713, 718, 720, 808, 917)


def synthetic_person(number: int) -> dict[str, str]:
    """Person ``number`` of an endless, repeatable population (distinct emails and phones).

    Returns ``first``, ``last``, ``company``, ``title``, ``email`` and ``phone`` (E.164).
    """
    first = _FIRST[number % len(_FIRST)]
    last = _LAST[(number // len(_FIRST)) % len(_LAST)]
    company_number = (number * 7919) % (len(_WORDS) * len(_SUFFIXES))
    company = f"{_WORDS[company_number % len(_WORDS)]} {_SUFFIXES[company_number // len(_WORDS)]}"
    domain = company.lower().replace(" ", "") + ".example"
    area = _AREA_CODES[number % len(_AREA_CODES)]
    exchange = 200 + (number // len(_AREA_CODES) // 10_000) % 700
    line = (number // len(_AREA_CODES)) % 10_000
    return {
        "first": first,
        "last": last,
        "company": company,
        "title": ("Buyer", "Engineer", "Director", "Founder", "Analyst")[number % 5],
        "email": f"{first}.{last}.{number}@{domain}".lower(),
        "phone": f"+1{area}{exchange:03d}{line:04d}",
    }


def seed_contacts(state: SandboxState, count: int, *, start: int = 0) -> list[str]:
    """Store people ``start .. start + count - 1`` of :func:`synthetic_person` directly; return their ids.

    Written straight into the state (no HTTP, no per-request work): 50,000 take a few seconds.
    """
    ids = []
    for number in range(start, start + count):
        person = synthetic_person(number)
        record = new_contact(
            state,
            "person",
            {
                "first name": [{"value": person["first"], "modifier": ""}],
                "last name": [{"value": person["last"], "modifier": ""}],
                "email": [{"value": person["email"], "modifier": "work"}],
                "phone": [{"value": person["phone"], "modifier": "work"}],
                "contact employment": [
                    {"value": json.dumps({"company_name": person["company"], "title": person["title"]}), "modifier": ""}
                ],
            },
        )
        ids.append(record["id"])
    return ids
