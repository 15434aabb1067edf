"""Identity keys: emails, phones and names in the one form they are compared in.

* an email is trimmed and lower-cased;
* a phone is parsed with the ``phonenumbers`` library (Google's libphonenumber) and written in
  E.164 (``+14155550100``); a number without ``+country`` needs a two-letter ``country``;
* a name is lower-cased and accent-folded, like Nimble's search index (``Zoë`` = ``zoe``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from types import ModuleType
from typing import Any

from nimble_tools import ConfigurationError

__all__ = ["fold", "normalise_email", "normalise_phone", "phone_search_forms", "try_normalise_phone"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def fold(text: Any) -> str:
    """Lower-case, accent-free, single-spaced text: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def normalise_email(raw: str) -> str:
    """``"  Ann@Example.COM "`` -> ``"ann@example.com"``; ValueError if it is not an address."""
    email = raw.strip().lower()
    if not _EMAIL.match(email):
        raise ValueError(f"email {raw!r} is not an email address (expected name@domain.tld)")
    return email


def _phonenumbers() -> ModuleType:
    try:
        import phonenumbers
    except ImportError as exc:  # a core dependency: only a broken install lacks it
        raise ConfigurationError(
            "Matching contacts by phone needs the phonenumbers library, a dependency of nimble-tools that "
            "is missing from this environment: pip install phonenumberslite (or reinstall nimble-tools)."
        ) from exc
    return phonenumbers


def normalise_phone(raw: str, country: str | None = None) -> str:
    """Any written phone number -> E.164; ValueError naming the fix if it is not a valid number."""
    phonenumbers = _phonenumbers()
    region = country.upper() if country else None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        hint = (
            "write it with its country code (e.g. +1 415 555 0100)"
            if region is None
            else f"it is not a valid number in {region}; check the digits or the country"
        )
        raise ValueError(f"phone {raw!r} is not a valid phone number: {hint}")
    e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164


@lru_cache(maxsize=65_536)
def try_normalise_phone(raw: str, country: str | None = None) -> str | None:
    """Like :func:`normalise_phone`, but None for a number that cannot be read (stored data)."""
    try:
        return normalise_phone(raw, country)
    except ValueError:
        return None


@lru_cache(maxsize=65_536)
def phone_search_forms(e164: str) -> tuple[str, ...]:
    """The ways a number is commonly written, to find it however it was stored.

    Nimble's search compares whole values, so ``+14155550100`` does not find ``(415) 555-0100``;
    searching for each common form finds numbers stored in any of them.
    """
    phonenumbers = _phonenumbers()
    number = phonenumbers.parse(e164, None)
    formats = phonenumbers.PhoneNumberFormat
    national = phonenumbers.format_number(number, formats.NATIONAL)
    forms = [
        e164,
        phonenumbers.format_number(number, formats.INTERNATIONAL),
        national,
        re.sub(r"\D", "", e164),
        re.sub(r"\D", "", national),
        phonenumbers.format_number(number, formats.INTERNATIONAL).replace("-", " "),
    ]
    return tuple(dict.fromkeys(forms))
