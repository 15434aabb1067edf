"""A large, repeatable population of people, for benchmarks and load tests.

:func:`synthetic_person` describes person ``n`` of an endless population (distinct emails and
phones); :func:`seed_contacts` stores a range of them straight into a sandbox's state.
"""

from __future__ import annotations

import json

from ._contacts import new_contact
from ._state import SandboxState

__all__ = ["seed_contacts", "synthetic_person"]

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
    """Person ``number`` of an endless, repeatable population.

    Emails and phones are distinct for every number, and so is the (first, last, company) triple
    for the first ~2.7 million numbers: each name pair meets each company once before repeating.

    Returns ``first``, ``last``, ``company``, ``title``, ``email`` and ``phone`` (E.164).
    """
    first = _FIRST[number % len(_FIRST)]
    last = _LAST[(number // len(_FIRST)) % len(_LAST)]
    pairs = len(_FIRST) * len(_LAST)
    # For a fixed name pair the company moves by one per round of pairs, so no triple repeats;
    # the 7 * pair term spreads neighbours over many companies.
    company_number = (number // pairs + 7 * (number % pairs)) % (len(_WORDS) * len(_SUFFIXES))
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
