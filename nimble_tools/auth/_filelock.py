"""An exclusive lock on a file, shared by threads and processes of one host (``flock``).

``flock`` locks belong to an open file description, so each acquisition opens the file anew: two
threads of one process then exclude each other just as two processes do. Where ``fcntl`` is
missing (Windows), the lock falls back to excluding the threads of this process only.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["FileLock", "account_lock_path", "private_dir"]

_LOCAL_LOCKS: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


def private_dir(path: Path) -> None:
    """Create ``path`` (and parents) readable by this user only, if missing."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def account_lock_path(store_path: Path, account: str) -> Path:
    """The lock file of one account: ``<store>.locks/<digest>.lock`` (account names may hold any character)."""
    digest = hashlib.sha256(account.encode()).hexdigest()[:32]
    return store_path.with_name(store_path.name + ".locks") / f"{digest}.lock"


class FileLock:
    """``with FileLock(path):`` holds an exclusive lock on ``path``; one use per instance."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._local: threading.Lock | None = None

    def __repr__(self) -> str:
        return f"FileLock({str(self.path)!r})"

    def __enter__(self) -> FileLock:
        if fcntl is None:  # pragma: no cover - Windows
            with _LOCAL_GUARD:
                self._local = _LOCAL_LOCKS.setdefault(str(self.path), threading.Lock())
            self._local.acquire()
            return self
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._local is not None:  # pragma: no cover - Windows
            self._local.release()
            self._local = None
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
