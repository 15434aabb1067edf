"""MkDocs hook: the catalog page, written from the registry at every build so it cannot drift.

``docs/reference/catalog.md`` holds the prose and a ``<!-- generated: catalog -->`` marker; this hook
replaces the marker with one entry per operation of a toolkit with every installed plugin: its
description, its flags, the Nimble endpoint it calls (or the plugin of a composite action) and a row
per parameter as ``nimble-tools describe`` shows it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from nimble_tools import NimbleToolkit, Operation
from nimble_tools._describe import describe_operation, operation_kind

MARKER = "<!-- generated: catalog -->"
_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]{}|#"})


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the catalog page's marker; other pages pass through."""
    if MARKER not in markdown:
        return markdown
    operations = NimbleToolkit(api_key="docs-build", autoload_plugins=True).operations
    return markdown.replace(MARKER, catalog_markdown(operations.values()))


def catalog_markdown(operations: Iterable[Operation]) -> str:
    """The catalog as Markdown: a summary table per resource, then an entry per operation."""
    by_resource: dict[str, list[Operation]] = {}
    for operation in sorted(operations, key=lambda op: (op.resource, op.name)):
        by_resource.setdefault(operation.resource, []).append(operation)
    parts = [_overview(by_resource)]
    for resource, members in by_resource.items():
        parts.append(f"## {resource} {{#resource-{resource}}}\n")
        parts.extend(operation_markdown(operation) for operation in members)
    return "\n".join(parts)


def _overview(by_resource: dict[str, list[Operation]]) -> str:
    total = sum(len(members) for members in by_resource.values())
    lines = [
        f"{total} operations in {len(by_resource)} resources.\n",
        "| resource | operations |",
        "| --- | --- |",
    ]
    for resource, members in by_resource.items():
        links = ", ".join(f"[`{op.name}`](#{op.name})" for op in members)
        lines.append(f"| [{resource}](#resource-{resource}) | {links} |")
    return "\n".join(lines) + "\n"


def operation_markdown(operation: Operation) -> str:
    """One operation's entry: heading (anchored by its name), endpoint, flags, description, parameters."""
    lines = [f"### `{operation.name}` {{#{operation.name}}}\n"]
    if operation.is_composite:
        where = f"composite action of the plugin `{operation.plugin}`"
    else:
        where = f"`{operation.method} {operation.path}`"
    lines.append(f"**Endpoint**: {where}  ")
    lines.append(f"**Flags**: {', '.join(flags(operation))}\n")
    lines.append(_text(operation.description) + "\n")
    rows = describe_operation(operation)["parameters"]
    if rows:
        lines += ["| parameter | type | required | sent in | description |", "| --- | --- | --- | --- | --- |"]
        for row in rows:
            lines.append(
                f"| `{row['name']}` | {_text(row['type'])} | {'yes' if row['required'] else 'no'} "
                f"| {row['location']} | {_text(row['description'])} |"
            )
    else:
        lines.append("No parameters.")
    return "\n".join(lines) + "\n"


def flags(operation: Operation) -> list[str]:
    """The operation's kind and flags in words: read, write, DESTRUCTIVE, idempotent, paged..."""
    found = [operation_kind(operation)]
    if operation.destructive_when is not None:
        found.append("destructive with some arguments")
    if operation.idempotent:
        found.append("idempotent")
    if operation.paging is not None:
        found.append("paged (`limit`, `next_cursor`)")
    found += [f"tag `{tag}`" for tag in operation.tags]
    return found


def _text(value: str) -> str:
    """Plain text made safe for a Markdown paragraph or table cell."""
    escaped = html.escape(value, quote=False).translate(_MARKDOWN_SPECIALS)
    return " ".join(escaped.split())
