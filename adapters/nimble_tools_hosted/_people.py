"""The people who connected their Nimble account, and cutting one off.

A person is a Nimble user (found by ``/api/v1/myself`` when they connect), so the same person
connecting from Claude and from Cursor is one record. Their Nimble credential (OAuth tokens or a
personal API key) sits encrypted in the credential store under their *account name*,
``oauth/<id>`` or ``key/<id>``, which is what every tool call of theirs is made for.

Each person record carries an ``epoch``; every MCP grant remembers the epoch it was made in.
Revoking a person gives them a new epoch and deletes their Nimble credential: every token issued
before stops working on the next request, on every worker, because each request reads the epoch
from the shared store.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from nimble_tools.auth import TokenSet, TokenStore

from ._store import RecordStore

__all__ = ["CredentialKind", "People", "Person", "account_name", "split_account"]

CredentialKind = Literal["oauth", "key"]
KINDS: tuple[CredentialKind, ...] = ("oauth", "key")


def account_name(kind: CredentialKind, name: str) -> str:
    """The credential-store account of a person (or of a consent still in progress)."""
    return f"{kind}/{name}"


def split_account(account: str) -> tuple[str, str]:
    """``("oauth" | "key", name)`` from an account name."""
    kind, _, name = account.partition("/")
    return kind, name


@dataclass(frozen=True)
class Person:
    """A connected Nimble user.

    Attributes:
        id: stable id derived from the Nimble host and user id.
        email / name / nimble_user_id: who they are in Nimble.
        kind: how they connected: ``"oauth"`` (signed in with Nimble) or ``"key"`` (personal API key).
        epoch: changes when they are revoked; tokens of an older epoch are refused.
        connected_at: when they last connected (seconds since the epoch).
        revoked_at: when they were last revoked, or None.
    """

    id: str
    email: str
    name: str
    nimble_user_id: str
    kind: CredentialKind
    epoch: str
    connected_at: float
    revoked_at: float | None = None

    @property
    def account(self) -> str:
        """The account every tool call of this person is made for."""
        return account_name(self.kind, self.id)

    @property
    def connected(self) -> bool:
        """False after a revocation, until they connect again."""
        return self.revoked_at is None or self.connected_at > self.revoked_at

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Person:
        """Read back :func:`dataclasses.asdict`."""
        kind = record.get("kind")
        return cls(
            id=str(record["id"]),
            email=str(record.get("email", "")),
            name=str(record.get("name", "")),
            nimble_user_id=str(record.get("nimble_user_id", "")),
            kind="key" if kind == "key" else "oauth",
            epoch=str(record["epoch"]),
            connected_at=float(record.get("connected_at", 0.0)),
            revoked_at=float(record["revoked_at"]) if record.get("revoked_at") is not None else None,
        )


class People:
    """Person records and their Nimble credentials.

    Args:
        records: the shared record store.
        credentials: the encrypted store of Nimble credentials.
        nimble_url: Nimble's host (part of a person's id: the same user id on another host is someone else).
        clock: a ``time.time``-like function.
    """

    def __init__(
        self,
        records: RecordStore,
        credentials: TokenStore,
        nimble_url: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._records = records
        self._credentials = credentials
        self._nimble_url = nimble_url
        self._clock = clock

    def id_for(self, nimble_user_id: str) -> str:
        """The person id of a Nimble user."""
        return hashlib.sha256(f"{self._nimble_url}\n{nimble_user_id}".encode()).hexdigest()[:24]

    def get(self, person_id: str) -> Person | None:
        """A person by id."""
        record = self._records.get(f"person:{person_id}")
        return Person.from_record(record) if record is not None else None

    def get_many(self, person_ids: list[str]) -> list[Person | None]:
        """Several people in one round trip."""
        records = self._records.get_many([f"person:{p}" for p in person_ids])
        return [Person.from_record(r) if r is not None else None for r in records]

    def connect(self, me: Mapping[str, Any], kind: CredentialKind, tokens: TokenSet) -> Person:
        """Record that the Nimble user ``me`` connected with ``tokens``; their previous credential is replaced.

        Args:
            me: the answer of ``/api/v1/myself`` made with these credentials.
            kind: ``"oauth"`` or ``"key"``.
            tokens: the credential (an API key is a token set with neither expiry nor refresh token).
        """
        user_id = str(me.get("user_id") or "")
        if not user_id:
            raise ValueError("Nimble's answer names no user_id")
        person_id = self.id_for(user_id)
        known = self.get(person_id)
        person = Person(
            id=person_id,
            email=str(me.get("email") or ""),
            name=str(me.get("name") or ""),
            nimble_user_id=user_id,
            kind=kind,
            epoch=known.epoch if known is not None else secrets.token_hex(8),
            connected_at=self._clock(),
            revoked_at=known.revoked_at if known is not None else None,
        )
        self._credentials.save(person.account, tokens)
        for other in KINDS:
            if other != kind:
                self._credentials.delete(account_name(other, person_id))
        self._records.put(f"person:{person_id}", asdict(person))
        return person

    def find(self, text: str) -> list[Person]:
        """People whose id is ``text``, or whose email is ``text`` (any case)."""
        wanted = text.strip().lower()
        direct = self.get(wanted)
        if direct is not None:
            return [direct]
        return [p for p in self.all() if p.email.lower() == wanted]

    def all(self) -> list[Person]:
        """Everyone who ever connected, by email."""
        people = [Person.from_record(r) for _, r in self._records.scan("person:")]
        return sorted(people, key=lambda p: (p.email.lower(), p.id))

    def revoke(self, person_id: str) -> Person | None:
        """Cut a person off at once: a new epoch (every token of theirs stops working) and no credential.

        They can connect again later, which asks them to consent again.
        """
        person = self.get(person_id)
        if person is None:
            return None
        now = self._clock()
        revoked = Person(**{**asdict(person), "epoch": secrets.token_hex(8), "revoked_at": now})
        self._records.put(f"person:{person_id}", asdict(revoked))
        for kind in KINDS:
            self._credentials.delete(account_name(kind, person_id))
        return revoked
