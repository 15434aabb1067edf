"""Reading leads for ``nimble-tools import-leads``: CSV, a JSON array, or JSON Lines.

CSV headings name the lead's fields (``first_name``, ``last_name``, ``email``, ``phone``,
``country``, ``company``, ``title``, ``tags``); case and spaces do not matter (``First Name`` is
``first_name``). ``tags`` holds several tags separated by ``;``. A heading ``field:<nimble field>``
fills that Nimble field of created contacts (``field:linkedin``; it becomes an ``other_fields``
entry). Empty cells are left out. The
operation itself validates every lead, so a misspelt heading is refused before anything is sent.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import UsageError

__all__ = ["FIELD_PREFIX", "FORMATS", "LeadFile", "LeadRow", "read_lead_file", "read_leads", "write_rejects"]

FIELD_PREFIX = "field:"


FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass(frozen=True)
class LeadRow:
    """One lead and where it stands in its file.

    Attributes:
        where: ``"line 12"`` (CSV, JSON Lines: the line the lead starts on, blank lines counted) or
            ``"item 3"`` (a JSON array), for messages.
        lead: the lead's fields.
        cells: a CSV row's cells as written (for a reject file); None for JSON.
    """

    where: str
    lead: dict[str, Any]
    cells: list[str] | None = None


@dataclass(frozen=True)
class LeadFile:
    """The leads of a file, in order, with the CSV headings as written (None for JSON)."""

    name: str
    format: str
    rows: list[LeadRow]
    headings: list[str] | None = None

    @property
    def leads(self) -> list[dict[str, Any]]:
        """The leads alone."""
        return [row.lead for row in self.rows]


def read_leads(path: Path, *, fmt: str | None = None, text: str | None = None) -> list[dict[str, Any]]:
    """The leads in ``path`` (see :func:`read_lead_file`, which also says where each one is)."""
    return read_lead_file(path, fmt=fmt, text=text).leads


def read_lead_file(path: Path, *, fmt: str | None = None, text: str | None = None) -> LeadFile:
    """The leads in ``path``, each with its line (or item) number.

    Args:
        path: the file.
        fmt: ``"csv"``, ``"json"`` or ``"jsonl"``; by default the file's suffix decides.
        text: the content, when it is already read (standard input); ``path`` then only names it.

    Raises:
        UsageError: when the file cannot be read or parsed, naming the line and the fix.
    """
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(
            f"{path.name}: cannot tell the format from the suffix {path.suffix or '(none)'!r}; "
            "name the file .csv, .json or .jsonl, or pass the format."
        )
    if text is None:
        try:
            text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets often start CSV with a BOM
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"Cannot read {path}: {exc}.") from None
    headings: list[str] | None = None
    if fmt == "csv":
        headings, rows = _from_csv(text, path.name)
    elif fmt == "json":
        rows = _from_json(text, path.name)
    else:
        rows = _from_json_lines(text, path.name)
    if not rows:
        raise UsageError(f"{path.name} holds no leads.")
    return LeadFile(path.name, fmt, rows, headings)


def write_rejects(path: Path, file: LeadFile, rejected: Sequence[tuple[LeadRow, str]]) -> None:
    """Write rejected leads with their reasons: CSV as read plus ``line`` and ``reason`` columns, else JSON Lines.

    Fix the rows (and drop the two columns) to import them again.
    """
    if file.headings is not None:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*file.headings, "line", "reason"])
        for row, reason in rejected:
            cells = list(row.cells or [])
            cells += [""] * (len(file.headings) - len(cells))
            writer.writerow([*cells, row.where.removeprefix("line "), reason])
        text = out.getvalue()
    else:
        text = "".join(
            json.dumps({"where": row.where, "reason": reason, "lead": row.lead}, ensure_ascii=False) + "\n"
            for row, reason in rejected
        )
    path.write_text(text, encoding="utf-8")


def _from_csv(text: str, name: str) -> tuple[list[str], list[LeadRow]]:
    reader = csv.reader(io.StringIO(text))
    try:
        headings = next(reader)
    except StopIteration:
        return [], []
    except csv.Error as exc:
        raise UsageError(f"{name}, line 1: {exc}.") from None
    keys = [_key(h) for h in headings]
    if "" in keys:
        raise UsageError(f"{name}: column {keys.index('') + 1} has no heading; name every column.")
    rows = []
    try:
        while True:
            start = reader.line_num + 1  # the line this record starts on (a quoted cell may span lines)
            row = next(reader, None)
            if row is None:
                break
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(keys):
                raise UsageError(
                    f"{name}, line {start}: {len(row)} cells for {len(keys)} headings; quote cells holding commas."
                )
            rows.append(LeadRow(f"line {start}", _lead_from_cells(keys, row), row))
    except csv.Error as exc:
        raise UsageError(f"{name}, line {reader.line_num}: {exc}.") from None
    return headings, rows


def _lead_from_cells(keys: list[str], cells: list[str]) -> dict[str, Any]:
    lead: dict[str, Any] = {}
    for key, cell in zip(keys, cells, strict=False):
        value = cell.strip()
        if not value:
            continue
        if key.startswith(FIELD_PREFIX):
            lead.setdefault("other_fields", []).append({"name": key[len(FIELD_PREFIX) :], "value": value})
        elif key == "tags":
            lead["tags"] = [tag.strip() for tag in value.split(";") if tag.strip()]
        else:
            lead[key] = value
    return lead


def _key(heading: str) -> str:
    heading = heading.strip()
    if heading.lower().startswith(FIELD_PREFIX):
        return FIELD_PREFIX + heading[len(FIELD_PREFIX) :].strip().lower()  # Nimble field names keep their spaces
    return re.sub(r"[\s\-]+", "_", heading.lower())


def _from_json(text: str, name: str) -> list[LeadRow]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{name} is not valid JSON: {exc}.") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise UsageError(f"{name} must hold a JSON array of lead objects.")
    return [LeadRow(f"item {number}", item) for number, item in enumerate(data, start=1)]


def _from_json_lines(text: str, name: str) -> list[LeadRow]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{name}, line {number}: not valid JSON ({exc}).") from None
        if not isinstance(item, dict):
            raise UsageError(f"{name}, line {number}: expected one lead object per line.")
        rows.append(LeadRow(f"line {number}", item))
    return rows
