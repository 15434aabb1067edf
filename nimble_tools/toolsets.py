"""Toolsets: composable views that choose, prefix and rename the operations an adapter emits.

Ninety tools crowd a model's context and blur its choices, so every adapter takes a ``tools=``
option: a :class:`Toolset`, a list of operation names, or None for every operation::

    from nimble_tools import toolsets

    toolkit.emit("openai", tools=toolsets.resource("contacts").read_only())
    toolkit.emit("mcp", tools=toolsets.matching("*deal*").without_destructive().prefixed("crm"))
    toolkit.emit("langchain", tools=["list_all_nimble_me", "create_a_nimble_contact"])
    toolkit.emit("callables", tools=toolsets.tool_search())  # two meta-tools instead of the list

A toolset is a recipe, not a copy: :meth:`Toolset.bind` applies it to a toolkit's registry and gives
a :class:`ToolView` (``nimble_tools._view``), whose operations carry the names and descriptions the
model sees while every call still goes to the registered operation, through the one model-facing
path :meth:`ToolView.run` (same validation, confirmation and policies).
Each behaviour is a small wrapper class over the one above it, in the style of pydantic-ai's
``FilteredToolset``/``PrefixedToolset``/``RenamedToolset``.
"""

from __future__ import annotations

import fnmatch
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from typing_extensions import override

from ._errors import UnknownOperationError, UsageError
from ._operation import MAX_DESCRIPTION, Operation, with_changes
from ._view import META_TAG, SCOPE_OPTION, ToolView, ViewEntry

if TYPE_CHECKING:
    from ._registry import OperationRegistry
    from ._toolkit import NimbleToolkit

__all__ = [
    "META_TAG",
    "SCOPE_OPTION",
    "CombinedToolset",
    "ConfiguredToolset",
    "FilteredToolset",
    "NamedToolset",
    "PrefixedToolset",
    "RenamedToolset",
    "ResourceToolset",
    "ShortNamedToolset",
    "ToolView",
    "Toolset",
    "ToolsetLike",
    "ViewEntry",
    "check_resources",
    "everything",
    "matching",
    "named",
    "read_only",
    "resolve",
    "resource",
    "tool_search",
    "without_destructive",
]


class Toolset(ABC):
    """A recipe that picks and names operations from a toolkit's registry."""

    @abstractmethod
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        """The tools of this view, by exposed name, in emission order."""

    @property
    def label(self) -> str:
        """A short description for error messages."""
        return type(self).__name__

    def bind(self, toolkit: NimbleToolkit) -> ToolView:
        """Apply the recipe to ``toolkit``'s registry."""
        return ToolView(toolkit, {name: _described(e) for name, e in self.entries(toolkit.operations).items()})

    # -- fluent wrappers -------------------------------------------------------------------------

    def filtered(self, predicate: Callable[[Operation], bool], label: str = "filtered") -> FilteredToolset:
        """Keep the operations for which ``predicate(operation)`` is true."""
        return FilteredToolset(self, predicate, label)

    def matching(self, *patterns: str) -> FilteredToolset:
        """Keep operations whose exposed name matches one of the shell-style globs (``*deal*``)."""
        _check_strings("matching", patterns)
        return self.filtered(lambda op: any(fnmatch.fnmatchcase(op.name, p) for p in patterns), f"matching{patterns}")

    def excluding(self, *patterns: str) -> FilteredToolset:
        """Drop operations whose exposed name matches one of the globs."""
        _check_strings("excluding", patterns)
        return self.filtered(
            lambda op: not any(fnmatch.fnmatchcase(op.name, p) for p in patterns), f"excluding{patterns}"
        )

    def resources(self, *names: str) -> FilteredToolset:
        """Keep operations of the given resources (``contacts``, ``deals``, ``notes``...).

        A name no operation has is refused when the view is applied, with the closest ones.
        """
        _check_strings("resources", names)
        return ResourceToolset(self, lambda op: op.resource in names, f"resources{names}", names)

    def tagged(self, *tags: str) -> FilteredToolset:
        """Keep operations carrying at least one of the tags."""
        _check_strings("tagged", tags)
        return self.filtered(lambda op: bool(set(op.tags) & set(tags)), f"tagged{tags}")

    def read_only(self) -> FilteredToolset:
        """Keep only operations that change nothing."""
        return self.filtered(lambda op: op.read_only, "read_only")

    def without_destructive(self) -> FilteredToolset:
        """Drop operations that may delete or overwrite data beyond recovery."""
        return self.filtered(lambda op: not op.destructive, "without_destructive")

    def prefixed(self, prefix: str) -> PrefixedToolset:
        """Expose every name as ``<prefix>_<name>``."""
        return PrefixedToolset(self, prefix)

    def renamed(self, names: Mapping[str, str]) -> RenamedToolset:
        """Expose the operations named in the keys under the names in the values."""
        return RenamedToolset(self, names)

    def short_names(self, max_length: int = 64, reserve: str | int = 0) -> ShortNamedToolset:
        """Shorten names that would not fit ``max_length`` behind a client prefix.

        Args:
            max_length: the host's limit on a tool name (64 for OpenAI, MCP clients and LangChain).
            reserve: the prefix a client puts in front (such as ``"mcp__nimble__"``) or its length.
        """
        return ShortNamedToolset(self, max_length, reserve)

    def full_results(self) -> ConfiguredToolset:
        """Show list results as Nimble's full records instead of the compact form."""
        return ConfiguredToolset(self, {"compact": False}, "full_results()")

    def auto_paged(self, max_items: int = 100) -> ConfiguredToolset:
        """Let list tools page by themselves up to ``max_items`` items per call.

        The answer then says ``"truncated": true`` when more items exist, with a ``next_cursor``
        that continues right after the last one.
        """
        if not isinstance(max_items, int) or max_items < 1:
            raise UsageError(f"auto_paged(max_items=...) takes a positive integer, got {max_items!r}.")
        return ConfiguredToolset(self, {"max_items": max_items}, f"auto_paged({max_items})")

    def __or__(self, other: Toolset) -> CombinedToolset:
        """The tools of both views; a name in both is an error."""
        return CombinedToolset((self, other))


class _Everything(Toolset):
    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        return {name: ViewEntry(op, name) for name, op in registry.items() if META_TAG not in op.tags}

    @property
    @override
    def label(self) -> str:
        return "everything"


@dataclass(frozen=True)
class NamedToolset(Toolset):
    """Exactly the named operations, in the given order (meta-tools included when named)."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_strings("named", self.names)

    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        chosen: dict[str, ViewEntry] = {}
        for name in dict.fromkeys(self.names):
            try:
                chosen[name] = ViewEntry(registry[name], name)
            except UnknownOperationError as exc:
                if _is_glob(name):
                    raise UsageError(
                        f"The toolset names {name!r}, which is a pattern, not an operation: for the operations "
                        f"whose names match it write tools=toolsets.matching({name!r})."
                    ) from None
                raise UsageError(f"The toolset names an unknown operation {name!r}. {exc.message}") from None
        return chosen


@dataclass(frozen=True)
class FilteredToolset(Toolset):
    """The tools of ``inner`` for which ``predicate`` is true (it sees the exposed operation)."""

    inner: Toolset
    predicate: Callable[[Operation], bool]
    description: str = "filtered"

    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        return {name: e for name, e in self.inner.entries(registry).items() if self.predicate(e.operation)}

    @property
    @override
    def label(self) -> str:
        return f"{self.inner.label}.{self.description}"


@dataclass(frozen=True)
class ResourceToolset(FilteredToolset):
    """The tools of ``inner`` of some resources; a resource no operation has is an error."""

    resource_names: tuple[str, ...] = ()

    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        check_resources(self.resource_names, registry.values())
        return super().entries(registry)


def check_resources(names: Iterable[str], operations: Iterable[Operation]) -> None:
    """Refuse resource names that no operation has, suggesting the closest ones.

    Raises:
        UsageError: naming the unknown resource, the close ones, and every resource.
    """
    from ._names import close_names

    known = sorted({op.resource for op in operations})
    for name in names:
        if name not in known:
            close = close_names(name, known)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise UsageError(f"No operation has the resource {name!r}.{hint} Resources: {', '.join(known)}.")


@dataclass(frozen=True)
class PrefixedToolset(Toolset):
    """The tools of ``inner`` named ``<prefix>_<name>`` (a short alias of the name if it would not fit)."""

    inner: Toolset
    prefix: str

    def __post_init__(self) -> None:
        if not self.prefix or not self.prefix.replace("_", "a").isalnum() or not self.prefix.isascii():
            raise UsageError(f"prefix must be letters, digits and underscores, got {self.prefix!r}.")

    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        from ._names import MAX_NAME_LENGTH, short_aliases

        inner = self.inner.entries(registry)
        # A name the prefix would push past 64 characters gets its short alias instead.
        aliases = short_aliases(list(inner), MAX_NAME_LENGTH - len(self.prefix) - 1)
        return _renamed(inner, lambda name: f"{self.prefix}_{aliases.get(name, name)}", self.label)

    @property
    @override
    def label(self) -> str:
        return f"{self.inner.label}.prefixed({self.prefix!r})"


@dataclass(frozen=True)
class RenamedToolset(Toolset):
    """The tools of ``inner`` with some exposed names replaced (``{old: new}``)."""

    inner: Toolset
    names: Mapping[str, str]

    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        inner = self.inner.entries(registry)
        unknown = sorted(set(self.names) - set(inner))
        if unknown:
            raise UsageError(f"renamed(): {', '.join(unknown)} not in {self.inner.label}; rename only tools it has.")
        return _renamed(inner, lambda name: self.names.get(name, name), self.label)

    @property
    @override
    def label(self) -> str:
        return f"{self.inner.label}.renamed()"


@dataclass(frozen=True)
class ShortNamedToolset(Toolset):
    """The tools of ``inner`` with a short, stable alias for each name too long for the budget."""

    inner: Toolset
    max_length: int = 64
    reserve: str | int = 0

    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        from ._names import short_aliases

        inner = self.inner.entries(registry)
        budget = self.max_length - (self.reserve if isinstance(self.reserve, int) else len(self.reserve))
        aliases = short_aliases(list(inner), budget)
        return _renamed(inner, lambda name: aliases.get(name, name), self.label)

    @property
    @override
    def label(self) -> str:
        return f"{self.inner.label}.short_names()"


@dataclass(frozen=True)
class ConfiguredToolset(Toolset):
    """The tools of ``inner`` with some :class:`ViewEntry` settings changed (``compact``, ``max_items``)."""

    inner: Toolset
    settings: Mapping[str, Any]
    description: str = "configured"

    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        return {name: replace(e, **self.settings) for name, e in self.inner.entries(registry).items()}

    @property
    @override
    def label(self) -> str:
        return f"{self.inner.label}.{self.description}"


@dataclass(frozen=True)
class CombinedToolset(Toolset):
    """The tools of several views together; the same exposed name twice is an error."""

    parts: tuple[Toolset, ...]

    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        combined: dict[str, ViewEntry] = {}
        owner: dict[str, Toolset] = {}
        for part in self.parts:
            for name, entry in part.entries(registry).items():
                if name in combined and combined[name].origin != entry.origin:
                    raise UsageError(
                        f"{part.label} and {owner[name].label} both expose a tool named {name!r}. "
                        "Rename or prefix one of them."
                    )
                combined.setdefault(name, entry)
                owner.setdefault(name, part)
        return combined

    def __or__(self, other: Toolset) -> CombinedToolset:
        return CombinedToolset((*self.parts, other))

    @property
    @override
    def label(self) -> str:
        return " | ".join(part.label for part in self.parts)


def _renamed(entries: Mapping[str, ViewEntry], rename: Callable[[str], str], label: str) -> dict[str, ViewEntry]:
    renamed: dict[str, ViewEntry] = {}
    for name, entry in entries.items():
        new = rename(name)
        if new in renamed:
            raise UsageError(f"{label}: two tools would both be named {new!r}; choose distinct names.")
        operation = entry.operation
        if new != name:
            try:
                operation = with_changes(operation, name=new)  # leaves a model named by reference unimported
            except UsageError as exc:
                raise UsageError(f"{label}: {exc.message} Choose names of at most 64 characters.") from None
        renamed[new] = replace(entry, operation=operation)
    return renamed


def _described(entry: ViewEntry) -> ViewEntry:
    """Tell the model, in the tool's description, that its list items are compact."""
    from .projections import COMPACT_HINT, COMPACT_TAG

    operation = entry.operation
    if not (entry.compact and operation.paging is not None and COMPACT_TAG in operation.tags):
        return entry
    if COMPACT_HINT in operation.description or len(operation.description) + len(COMPACT_HINT) + 1 > MAX_DESCRIPTION:
        return entry
    return replace(entry, operation=with_changes(operation, description=f"{operation.description} {COMPACT_HINT}"))


def _is_glob(text: str) -> bool:
    return any(char in text for char in "*?[")


def _check_strings(method: str, values: Iterable[Any]) -> None:
    for value in values:
        if not isinstance(value, str) or not value:
            raise UsageError(f"{method}() takes non-empty strings, got {value!r}.")


ToolsetLike = Toolset | Iterable[str] | None
"""What an adapter's ``tools=`` option accepts."""


def resolve(toolkit: NimbleToolkit, tools: ToolsetLike | ToolView = None) -> ToolView:
    """Turn an adapter's ``tools=`` option into a :class:`ToolView` of ``toolkit``.

    Args:
        toolkit: the toolkit whose registry the view is taken from.
        tools: a :class:`Toolset`, an iterable of operation names, a ready :class:`ToolView` of
            this toolkit, or None for every operation except the tool-search meta-tools.

    Raises:
        UsageError: for a plain string, an unknown name, or a view of another toolkit.
    """
    if isinstance(tools, ToolView):
        if tools.toolkit is not toolkit:
            raise UsageError("tools= got a ToolView bound to another toolkit; pass the Toolset itself.")
        return tools
    if tools is None:
        return everything().bind(toolkit)
    if isinstance(tools, Toolset):
        return tools.bind(toolkit)
    if isinstance(tools, str):
        if _is_glob(tools):
            raise UsageError(
                f"tools= takes a Toolset or a list of names, not the string {tools!r}; for the operations whose "
                f"names match that pattern write tools=toolsets.matching({tools!r})."
            )
        raise UsageError(f"tools= takes a Toolset or a list of names, not the string {tools!r}; write [{tools!r}].")
    return NamedToolset(tuple(tools)).bind(toolkit)


# -- constructors ----------------------------------------------------------------------------------


def everything() -> Toolset:
    """Every registered operation except the tool-search meta-tools (what ``tools=None`` means)."""
    return _Everything()


def named(*names: str) -> NamedToolset:
    """Exactly these operations, in this order."""
    return NamedToolset(names)


def matching(*patterns: str) -> FilteredToolset:
    """Operations whose name matches a shell-style glob, such as ``"*contact_note*"``."""
    return everything().matching(*patterns)


def resource(*names: str) -> FilteredToolset:
    """Operations of these resources."""
    return everything().resources(*names)


def read_only() -> FilteredToolset:
    """Operations that change nothing."""
    return everything().read_only()


def without_destructive() -> FilteredToolset:
    """Every operation that cannot delete or overwrite data beyond recovery."""
    return everything().without_destructive()


def tool_search(scope: Toolset | None = None) -> Toolset:
    """The two meta-tools (search the catalog, call a tool by name) instead of the full list.

    Args:
        scope: the tools they search and may call, as exposed by this view (default: everything).
            A read-only scope makes a read-only agent: ``call_nimble_tool`` refuses anything else.
    """
    from .tool_search import tool_search_toolset

    return tool_search_toolset(scope)
