"""Published parameter schemas kept on disk between processes, so that a server starts without models.

``nimble-tools mcp`` is started by its client at every launch, and its first ``tools/list`` needs the
published schema of every tool. Making them means defining the catalog's pydantic models and
generating their JSON schemas: about 0.2 s, more than everything else the server adds to the MCP
SDK's own start. The schemas only change when code changes, so they are kept in a file under the
user's cache directory (``$XDG_CACHE_HOME/nimble-tools``, else ``~/.cache/nimble-tools``;
``NIMBLE_TOOLS_SCHEMA_CACHE`` names another directory, or ``0`` turns the cache off).

Only models named by reference (``"package.module:Class"``) are kept: a model given as a class is
defined already, and its schema is cheap. The file's name is a fingerprint of what makes the
schemas: the format, Python's and pydantic's versions, the modification time of the environment's
site-packages (an install, upgrade or removal touches it), and the size and modification time of
every Python file of the core, of the bundled plugins' shared helpers, of each registered plugin's
package and of the package that holds the model. Any edit, upgrade or reinstall changes it, so a
stale schema is never read; the file of an older fingerprint is removed when a new one is written.
A cache that cannot be read or written is skipped: the schemas are then made as usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["SchemaCache", "shared_cache"]

FORMAT = 1
ENVIRONMENT = "NIMBLE_TOOLS_SCHEMA_CACHE"


class SchemaCache:
    """Schemas by key (``"package.module:Class|variant"``), read from and written to one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._fingerprints: dict[frozenset[str], str] = {}
        self._loaded: dict[str, dict[str, Any]] = {}
        self._unsaved: set[str] = set()  # fingerprints whose file lacks schemas made since

    def schema(
        self, reference: str, variant: str, make: Callable[[], dict[str, Any]], packages: Iterable[str] = ()
    ) -> dict[str, Any]:
        """The schema kept for ``reference`` and ``variant``, or ``make()``'s, which is then kept.

        ``packages``: the top-level packages the schema may depend on besides the core and the
        model's own (the registered plugins'). The caller gets its own copy either way.
        """
        fingerprint = self._fingerprint({_package(reference), *packages})
        key = f"{reference}|{variant}"
        stored = self._stored(fingerprint)
        if not isinstance(stored.get(key), dict):
            stored[key] = make()
            self._unsaved.add(fingerprint)
        copy: dict[str, Any] = json.loads(json.dumps(stored[key]))
        return copy

    def save(self) -> None:
        """Write the schemas made since the last save (atomically; skipped if the directory is not writable)."""
        while self._unsaved:
            fingerprint = self._unsaved.pop()
            path = self._path(fingerprint)
            temporary: Path | None = None
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile("w", dir=self.directory, suffix=".tmp", delete=False) as out:
                    temporary = Path(out.name)
                    json.dump(self._loaded[fingerprint], out, separators=(",", ":"))
                os.replace(temporary, path)  # readers see the old file or the new one, never a part
            except OSError:
                if temporary is not None:
                    temporary.unlink(missing_ok=True)
                continue
            for older in self.directory.glob(f"schemas-{_prefix(fingerprint)}-*.json"):
                if older != path:
                    older.unlink(missing_ok=True)

    def _stored(self, fingerprint: str) -> dict[str, Any]:
        if fingerprint not in self._loaded:
            try:
                data = json.loads(self._path(fingerprint).read_text("utf-8"))
            except (OSError, ValueError):
                data = {}
            self._loaded[fingerprint] = data if isinstance(data, dict) else {}
        return self._loaded[fingerprint]

    def _path(self, fingerprint: str) -> Path:
        return self.directory / f"schemas-{fingerprint}.json"

    def _fingerprint(self, packages: Iterable[str]) -> str:
        key = frozenset(packages)
        if key not in self._fingerprints:
            self._fingerprints[key] = _fingerprint(key)
        return self._fingerprints[key]


def _package(reference: str) -> str:
    return reference.partition(":")[0].partition(".")[0]


def _prefix(fingerprint: str) -> str:
    # One file per package set: a new fingerprint replaces the file of the same packages only.
    return fingerprint.split("-", 1)[0]


def _fingerprint(packages: frozenset[str]) -> str:
    """``<packages hash>-<content hash>``: what the schemas of models in ``packages`` depend on."""
    import pydantic

    stamp = hashlib.sha256(f"{FORMAT}|{sys.version}|{pydantic.VERSION}".encode())
    # An install, upgrade or removal of any distribution touches the site-packages directory.
    for directory in sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}):
        with contextlib.suppress(OSError):
            stamp.update(f"{directory}|{os.stat(directory).st_mtime_ns}\n".encode())
    for package in sorted(packages | _ALWAYS):
        for path in _sources(package):
            status = path.stat()
            stamp.update(f"{path}|{status.st_size}|{status.st_mtime_ns}\n".encode())
    names = hashlib.sha256("|".join(sorted(packages)).encode()).hexdigest()[:12]
    return f"{names}-{stamp.hexdigest()[:32]}"


def _sources(name: str) -> list[Path]:
    """The Python files of a top-level package (or the one file of a module); none if it cannot be found."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # "__main__", a module that is no longer importable
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return sorted(path for root in spec.submodule_search_locations for path in Path(root).rglob("*.py"))
    return [Path(spec.origin)] if spec.origin and os.path.isfile(spec.origin) else []


_ALWAYS = frozenset({"nimble_tools", "nimble_tools_action_support"})
"""The core, which shapes every published schema, and the bundled plugins' shared helpers (no plugin)."""

_CACHES: dict[str, SchemaCache] = {}


def shared_cache() -> SchemaCache | None:
    """The process's cache for ``NIMBLE_TOOLS_SCHEMA_CACHE`` (a directory, or ``0``: none) or the user's cache directory."""
    setting = os.environ.get(ENVIRONMENT, "").strip()
    if setting == "0":
        return None
    if not setting:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        setting = os.path.join(base, "nimble-tools")
    if setting not in _CACHES:
        _CACHES[setting] = SchemaCache(Path(setting))
    return _CACHES[setting]
