"""Encryption at rest for token stores: the records a store writes, sealed with a key the app holds.

A store given a ``cipher`` writes each token record as ``enc:<token>`` instead of plain JSON, so a
copy of the database file or of the Redis keys reveals no Nimble token or API key without the key.
:class:`FernetCipher` uses ``cryptography``'s Fernet (AES-128-CBC with HMAC-SHA256, authenticated);
it takes several keys so that keys can be rotated: the first seals, every one opens.

``cryptography`` is imported when a cipher is made, not with the package
(``pip install 'nimble-tools[hosted]'`` brings it).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from .._auth import Secret
from ._errors import TokenStoreError

__all__ = ["MIN_SECRET_LENGTH", "FernetCipher", "RecordCipher", "derive_key", "open_record", "seal_record"]

SEALED_PREFIX = "enc:"
MIN_SECRET_LENGTH = 32
"""Characters a passphrase needs at least (e.g. ``openssl rand -base64 32`` gives 44)."""


@runtime_checkable
class RecordCipher(Protocol):
    """Seals and opens the bytes of one record; ``open`` raises ValueError for a wrong key or damage."""

    def seal(self, plaintext: bytes) -> bytes:
        """The authenticated ciphertext of ``plaintext``."""
        ...

    def open(self, sealed: bytes) -> bytes:
        """The plaintext of ``sealed``; ValueError if no key opens it or it was altered."""
        ...


def derive_key(secret: str | Secret, purpose: str) -> bytes:
    """32 bytes for one ``purpose`` from a passphrase (HKDF-SHA256): one secret, independent keys.

    Raises:
        TokenStoreError: the passphrase is shorter than :data:`MIN_SECRET_LENGTH` characters.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    text = secret.reveal() if isinstance(secret, Secret) else secret
    if len(text.strip()) < MIN_SECRET_LENGTH:
        raise TokenStoreError(
            f"The secret key must have at least {MIN_SECRET_LENGTH} characters "
            "(for example the output of `openssl rand -base64 32`)."
        )
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"nimble-tools", info=purpose.encode())
    return hkdf.derive(text.strip().encode())


class FernetCipher:
    """Fernet with one or more passphrases: the first seals, all of them open (key rotation).

    Args:
        secrets: passphrases of at least 32 characters; each becomes a Fernet key through
            :func:`derive_key`, so any random string will do.
        purpose: separates the keys of different uses of the same passphrase.
    """

    def __init__(self, *secrets: str | Secret, purpose: str = "token-store") -> None:
        from cryptography.fernet import Fernet, MultiFernet

        if not secrets:
            raise TokenStoreError("FernetCipher needs at least one secret key.")
        keys = [Fernet(base64.urlsafe_b64encode(derive_key(s, purpose))) for s in secrets]
        self._fernet = MultiFernet(keys)

    def __repr__(self) -> str:
        return "FernetCipher('**********')"

    def seal(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def open(self, sealed: bytes) -> bytes:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken:
            raise ValueError("no key opens this record, or it was altered") from None


def seal_record(record: Mapping[str, Any], cipher: RecordCipher | None) -> str:
    """The stored text of ``record``: JSON, sealed by ``cipher`` when there is one."""
    text = json.dumps(record)
    if cipher is None:
        return text
    return SEALED_PREFIX + cipher.seal(text.encode()).decode("ascii")


def open_record(raw: str | bytes, cipher: RecordCipher | None, where: str) -> dict[str, Any]:
    """Read back :func:`seal_record`. Plain JSON is still read with a cipher (records from before encryption).

    Raises:
        TokenStoreError: the record is sealed and there is no key, or no key opens it, or it is damaged.
    """
    text = raw.decode() if isinstance(raw, bytes) else raw
    if text.startswith(SEALED_PREFIX):
        if cipher is None:
            raise TokenStoreError(f"{where} holds an encrypted record and no key was given to open it.")
        try:
            text = cipher.open(text[len(SEALED_PREFIX) :].encode("ascii")).decode()
        except (ValueError, UnicodeError):
            raise TokenStoreError(f"{where} holds a record that the configured key cannot open.") from None
    try:
        record = json.loads(text)
    except ValueError:
        raise TokenStoreError(f"{where} holds a damaged record.") from None
    if not isinstance(record, dict):
        raise TokenStoreError(f"{where} holds a damaged record.")
    return record
