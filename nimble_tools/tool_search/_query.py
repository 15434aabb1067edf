"""What a request pastes, set apart from what it says.

Users paste record ids, email addresses, phone numbers and links into their requests
("what phone do we have on file for 64a2f9c1e03b7d5a18c6e204"). To a word ranker those tokens are
noise (a 24-character id is no word of any tool), and to the embedding model they are a dozen
meaningless word pieces that drown a short request. They still say something: an id means the
request is about one known record, several ids mean several records, an email or a phone means a
person looked up by it, a link means a file or a profile. :func:`parse` keeps that fact and drops
the token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ID_MARK", "Pasted", "parse"]

ID_MARK = "nimbleidmark"
"""The word that stands where a record id was, in :attr:`Pasted.marked`."""

# Order matters: a link may hold an email or an id, an email may hold digits.
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|ms|ai|me)/\S*", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_ID = re.compile(r"\b[0-9a-f]{24}\b", re.IGNORECASE)
# A phone: an optional +, then 7 or more digits with spaces, dots, dashes or brackets between them.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{5,}\d\b")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")


@dataclass(frozen=True, slots=True)
class Pasted:
    """A request without its pasted values, and how many of each it held."""

    text: str
    """The request with ids, emails, phones and links taken out."""
    marked: str = ""
    """The same, with :data:`ID_MARK` where each id was (to tell whose id it is)."""
    ids: int = 0
    emails: int = 0
    phones: int = 0
    urls: int = 0

    @property
    def has_record(self) -> bool:
        """True when the request names a record by its id."""
        return self.ids > 0


def _is_phone(match: str) -> bool:
    digits = sum(c.isdigit() for c in match)
    return digits >= 7 and not _DATE.match(match.strip())


def parse(request: str) -> Pasted:
    """Take the pasted values out of ``request``, counting them."""
    text, urls = _URL.subn(" ", request)
    text, emails = _EMAIL.subn(" ", text)
    marked, ids = _ID.subn(f" {ID_MARK} ", text)
    text = _ID.sub(" ", text)
    phones = 0

    def drop_phone(match: re.Match[str]) -> str:
        nonlocal phones
        if not _is_phone(match.group()):
            return match.group()
        phones += 1
        return " "

    text = _PHONE.sub(drop_phone, text)
    marked = _PHONE.sub(lambda m: m.group() if not _is_phone(m.group()) else " ", marked)
    return Pasted(" ".join(text.split()), " ".join(marked.split()), ids=ids, emails=emails, phones=phones, urls=urls)
