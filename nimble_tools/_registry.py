"""The plugin manager and the operation registry built from it.

Loading is lazy and happens once: entry points are read the first time a toolkit needs its
operations or an adapter, and a module-level cache keeps their imported objects, so several
toolkits in one process import each plugin once.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from ._errors import OperationConflictError, PluginError, UnknownOperationError
from ._operation import Operation, with_changes

__all__ = ["DEFAULT_PLUGINS", "OperationRegistry", "PluginHost", "Target"]

# Built-in plugins inside the core package: the catalog of Nimble's own endpoints.
DEFAULT_PLUGINS: tuple[str, ...] = ("nimble_tools.catalog", "nimble_tools.tool_search")
ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME
AUTOLOAD_ENV = "NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD"


@functools.cache
def _entry_point_plugins() -> tuple[tuple[str, Any], ...]:
    """Import every plugin of the entry-point group once per process."""
    import importlib.metadata  # about 15 ms: paid when the first registry is built, not by `import nimble_tools`

    loaded = []
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded.append((entry_point.name, entry_point.load()))
        except Exception as exc:
            raise PluginError(
                f"Plugin {entry_point.name!r} ({entry_point.value}) failed to load: {exc}",
                plugin=entry_point.name,
            ) from exc
    return tuple(loaded)


def autoload_enabled() -> bool:
    """False when ``NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD`` is set to a true value."""
    return os.environ.get(AUTOLOAD_ENV, "").strip().lower() not in {"1", "true", "yes", "on"}


class PluginHost:
    """A pluggy manager with the built-in plugins, entry points loaded on first use."""

    def __init__(self, *, autoload: bool | None = None) -> None:
        self.manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.manager.add_hookspecs(hookspecs)
        self._autoload = autoload_enabled() if autoload is None else autoload
        self._loaded = False  # loading has started (a plugin's import may re-enter on this thread)
        self._ready = False  # loading has finished
        self._lock = threading.RLock()  # threads making their first call at once wait for one load

    def ensure_loaded(self) -> None:
        """Register the default plugins and, unless disabled, the entry-point plugins (once)."""
        if self._ready:
            return
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            for module_name in DEFAULT_PLUGINS:
                self._register(import_module(module_name), module_name)
            if self._autoload:
                for name, plugin in _entry_point_plugins():
                    if self.manager.get_plugin(name) is None and not self.manager.is_registered(plugin):
                        self._register(plugin, name)
            self._observe_if_configured()
            self._check_pending()
            self._ready = True

    def _observe_if_configured(self) -> None:
        """Register the observability plugin when the application configured OpenTelemetry.

        Nothing is imported, let alone registered, unless the application imported OpenTelemetry:
        without it, the call path stays exactly as it is (see :mod:`nimble_tools.observability`).
        """
        if "opentelemetry" not in sys.modules:
            return
        from .observability import PLUGIN_NAME, auto_plugin

        plugin = auto_plugin()
        if plugin is not None and self.manager.get_plugin(PLUGIN_NAME) is None:
            self._register(plugin, PLUGIN_NAME)

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object or module; returns its name."""
        self.ensure_loaded()
        registered = self._register(plugin, name)
        try:
            self._check_pending()
        except PluginError:
            self.manager.unregister(name=registered)
            raise
        return registered

    def _check_pending(self) -> None:
        """Fail loudly on a hookimpl that matches no hook (usually a misspelled name)."""
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"Plugin {exc.plugin!r} has an unknown hook: {exc}", plugin=str(exc.plugin)) from exc

    def _register(self, plugin: object, name: str | None) -> str:
        try:
            registered = self.manager.register(plugin, name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            label = name or getattr(plugin, "__name__", repr(plugin))
            raise PluginError(f"Plugin {label!r} could not be registered: {exc}", plugin=label) from exc
        if registered is None:
            raise PluginError(f"Plugin {name!r} is blocked.", plugin=name)
        return registered

    @property
    def hook(self) -> Any:
        self.ensure_loaded()
        return self.manager.hook

    def build_registry(self) -> OperationRegistry:
        """Ask every plugin for its operations and check that their names are unique."""
        self.ensure_loaded()
        operations: dict[str, Operation] = {}

        for impl in self.manager.hook.register_operations.get_hookimpls():
            plugin_name = impl.plugin_name

            def register(operation: Operation, _plugin: str = plugin_name) -> None:
                if not isinstance(operation, Operation):
                    raise PluginError(
                        f"Plugin {_plugin!r} registered {type(operation).__name__}, not an Operation.",
                        plugin=_plugin,
                    )
                if not operation.resource:
                    raise PluginError(
                        f"Plugin {_plugin!r} registered {operation.name!r} without a resource: set resource=... "
                        "(the group it belongs to, such as 'contacts').",
                        plugin=_plugin,
                    )
                existing = operations.get(operation.name)
                if existing is not None:
                    raise OperationConflictError(
                        f"Operation {operation.name!r} is registered by both {existing.plugin!r} and "
                        f"{_plugin!r}. Rename one of them, or unregister the plugin you do not want "
                        f"(toolkit.plugins.unregister(name={_plugin!r}))."
                    )
                operations[operation.name] = with_changes(operation, plugin=_plugin)

            impl.function(register=register)
        return OperationRegistry(operations)

    def targets(self) -> dict[str, str]:
        """Every target announced by an adapter, with its description."""
        return {name: target.description for name, target in self.target_details().items()}

    def target_details(self) -> dict[str, Target]:
        """Every target announced by an adapter: its description, and what it lacks if anything."""
        found: dict[str, Target] = {}

        def register(name: str, description: str, *, missing: str | None = None) -> None:
            found.setdefault(name, Target(name, description, missing))

        self.hook.register_targets(register=register)
        return found

    def call_options(self) -> dict[str, str]:
        """The keyword options of ``toolkit.call`` that plugins read, with a description of each."""
        found: dict[str, str] = {}
        self.hook.register_call_options(register=lambda name, about: found.setdefault(name, about))
        return found


@dataclass(frozen=True)
class Target:
    """A target an adapter announced.

    Attributes:
        name: what ``emit`` takes (``"langchain"``).
        description: one line on what it emits.
        missing: the command that installs the framework it needs, when that is not installed.
    """

    name: str
    description: str
    missing: str | None = None

    @property
    def installed(self) -> bool:
        """True when the target can be emitted in this environment."""
        return self.missing is None


class OperationRegistry(Mapping[str, Operation]):
    """Operations addressable by name, in registration order."""

    def __init__(self, operations: Mapping[str, Operation]) -> None:
        self._operations = dict(operations)

    def __getitem__(self, name: str) -> Operation:
        try:
            return self._operations[name]
        except KeyError:
            raise UnknownOperationError(name, suggestions=self.suggest(name)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._operations

    def __iter__(self) -> Iterator[str]:
        return iter(self._operations)

    def __len__(self) -> int:
        return len(self._operations)

    def __repr__(self) -> str:
        return f"<OperationRegistry with {len(self)} operations>"

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Names close to ``name``, for "did you mean" hints."""
        from ._names import close_names

        return close_names(name, self._operations, limit)


def import_module(name: str) -> ModuleType:
    """Import a plugin module by name, naming the plugin if it fails."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise PluginError(f"Plugin module {name!r} could not be imported: {exc}", plugin=name) from exc
