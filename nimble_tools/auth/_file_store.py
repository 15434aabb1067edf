"""``JsonFileTokenStore``: every account's tokens in one JSON file, written atomically with mode 0600."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ._errors import TokenStoreError
from ._filelock import FileLock, account_lock_path, private_dir
from ._store import purge_expired
from ._tokens import PendingAuthorization, TokenSet

__all__ = ["JsonFileTokenStore"]

FORMAT_VERSION = 1


class JsonFileTokenStore:
    """Tokens in a JSON file, for a CLI or a small app on one host.

    Every change rewrites the file through a temporary file created with mode 0600 and renamed over
    it, so a reader never sees half a file and the tokens are never readable by other users. Changes
    and refreshes are locked with ``flock``, so several processes of one host can share the file.

    Args:
        path: the JSON file (created, with its directory, on first write).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._mutex_path = self.path.with_name(self.path.name + ".lock")

    def __repr__(self) -> str:
        return f"JsonFileTokenStore({str(self.path)!r})"

    # -- the TokenStore interface ------------------------------------------------------------

    def load(self, account: str) -> TokenSet | None:
        record = self._read()["accounts"].get(account)
        return _tokens(record, self.path) if record is not None else None

    def save(self, account: str, tokens: TokenSet) -> None:
        self._update(lambda data: data["accounts"].__setitem__(account, tokens.to_record()))

    def delete(self, account: str) -> None:
        self._update(lambda data: data["accounts"].pop(account, None))

    def accounts(self) -> list[str]:
        return sorted(self._read()["accounts"])

    def put_pending(self, pending: PendingAuthorization) -> None:
        def change(data: dict[str, Any]) -> None:
            waiting = {s: PendingAuthorization.from_record(r) for s, r in data["pending"].items()}
            purge_expired(waiting, pending.created_at)
            waiting[pending.state] = pending
            data["pending"] = {s: p.to_record() for s, p in waiting.items()}

        self._update(change)

    def take_pending(self, state: str) -> PendingAuthorization | None:
        taken: list[dict[str, Any]] = []
        self._update(lambda data: taken.extend(r for r in [data["pending"].pop(state, None)] if r is not None))
        if not taken:
            return None
        try:
            return PendingAuthorization.from_record(taken[0])
        except ValueError as exc:
            raise TokenStoreError(f"The token file {self.path} is damaged: {exc}.") from None

    def lock(self, account: str) -> AbstractContextManager[object]:
        return FileLock(account_lock_path(self.path, account))

    # -- reading and atomic writing ----------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": FORMAT_VERSION, "accounts": {}, "pending": {}}
        except OSError as exc:
            raise TokenStoreError(f"Cannot read the token file {self.path}: {exc.strerror}.") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise TokenStoreError(
                f"The token file {self.path} is not valid JSON; remove it and log in again."
            ) from None
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise TokenStoreError(
                f"The token file {self.path} has an unknown format (expected version {FORMAT_VERSION})."
            )
        data.setdefault("accounts", {})
        data.setdefault("pending", {})
        if not isinstance(data["accounts"], dict) or not isinstance(data["pending"], dict):
            raise TokenStoreError(f"The token file {self.path} is damaged: accounts and pending must be objects.")
        return data

    def _update(self, change: Callable[[dict[str, Any]], object]) -> None:
        private_dir(self.path.parent)
        with FileLock(self._mutex_path):
            data = self._read()
            change(data)
            self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)  # atomic: readers see the old file or the new one
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise TokenStoreError(f"Cannot write the token file {self.path}: {exc.strerror}.") from None
        _fsync_dir(self.path.parent)


def _tokens(record: Any, path: Path) -> TokenSet:
    try:
        return TokenSet.from_record(record)
    except ValueError as exc:
        raise TokenStoreError(f"The token file {path} is damaged: {exc}.") from None


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; some systems cannot open a directory, which is then skipped."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platform-dependent
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - platform-dependent
        pass
    finally:
        os.close(fd)
