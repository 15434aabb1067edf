"""Terminal output of the command line: rich on a terminal, plain text in pipes and without ``rich``.

``rich`` is an optional dependency (the ``cli`` extra, part of ``all``). Where it is missing, or
where stdout is not a terminal, every command still prints the same information as plain text:
tables become aligned columns and the progress bar becomes click's. ``--json`` output never
depends on either: it is one JSON document on stdout.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import click

__all__ = ["Console", "ProgressUpdate", "dumps", "rich_available"]

ProgressUpdate = Callable[[int, str], None]
"""``update(done, status_text)``: move a progress bar to ``done`` items and show ``status_text``."""


def rich_available() -> bool:
    """True when the ``rich`` package can be imported."""
    try:
        return importlib.util.find_spec("rich") is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules (set to None)
        return False


def dumps(value: Any) -> str:
    """Indented JSON, non-ASCII kept, anything unknown (dates, bytes) as its string form."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


class Console:
    """Where a command prints: headings, tables, JSON, notes and a progress bar.

    Args:
        fancy: use ``rich`` (colours, boxed tables, a live progress bar). The default is to use it when
            it is installed and stdout is a terminal.
    """

    def __init__(self, *, fancy: bool | None = None) -> None:
        self.fancy = _decide_fancy() if fancy is None else fancy

    # rich consoles are made per call: click's test runner swaps sys.stdout between invocations.
    def _rich(self, *, stderr: bool = False) -> Any:
        from rich.console import Console as RichConsole

        return RichConsole(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=False)

    def heading(self, text: str) -> None:
        """A section title."""
        if self.fancy:
            self._rich().rule(f"[bold]{_escape(text)}", align="left")
        else:
            click.echo(f"== {text}")

    def line(self, text: str = "", *, style: str | None = None) -> None:
        """One line of text (``style`` is a rich style name, ignored in plain output)."""
        if self.fancy and style:
            self._rich().print(_escape(text), style=style)
        else:
            click.echo(text)

    def note(self, text: str) -> None:
        """A hint for the person at the terminal, on stderr (so stdout stays data)."""
        if self.fancy:
            self._rich(stderr=True).print(_escape(text), style="dim")
        else:
            click.echo(text, err=True)

    def json(self, value: Any) -> None:
        """A JSON document (highlighted on a terminal)."""
        if self.fancy:
            from rich.json import JSON

            self._rich().print(JSON(dumps(value)))
        else:
            click.echo(dumps(value))

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None) -> None:
        """Rows under column headings (plain: columns aligned with spaces, one row per line)."""
        if self.fancy:
            from rich.table import Table

            table = Table(*columns, title=title, title_justify="left", header_style="bold")
            for row in rows:
                table.add_row(*(_escape(cell) for cell in row))
            self._rich().print(table)
            return
        if title:
            click.echo(title)
        widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
        for cells in [list(columns), *rows]:
            click.echo("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip())

    def error(self, message: str) -> None:
        """An error message on stderr."""
        if self.fancy:
            self._rich(stderr=True).print(f"[bold red]error:[/] {_escape(message)}")
        else:
            click.echo(f"error: {message}", err=True)

    @contextlib.contextmanager
    def progress(self, total: int, label: str) -> Iterator[ProgressUpdate]:
        """A progress bar on stderr for ``total`` items; yields ``update(done, status_text)``.

        ``update`` may be called from worker threads.
        """
        if self.fancy:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[status]}"),
            )
            with Progress(*columns, console=self._rich(stderr=True), transient=False) as bar:
                task = bar.add_task(label, total=total, status="")
                yield lambda done, status: bar.update(task, completed=done, status=status)
            return
        if not _is_terminal(sys.stderr):
            with _progress_lines(total, label) as update_lines:
                yield update_lines
            return
        with click.progressbar(length=total, label=label, file=sys.stderr) as plain:
            seen = 0

            def update(done: int, status: str) -> None:
                nonlocal seen
                if done > seen:
                    plain.update(done - seen)
                    seen = done

            yield update


PROGRESS_INTERVAL = 5.0
"""Seconds between two progress lines when stderr is not a terminal (a CI log, a file)."""


@contextlib.contextmanager
def _progress_lines(total: int, label: str) -> Iterator[ProgressUpdate]:
    """Progress for logs: a line every :data:`PROGRESS_INTERVAL` seconds, and one at the end.

    click's bar draws nothing when stderr is not a terminal, so a long import in CI looked hung.
    """
    lines = _ProgressLines(total, label)
    click.echo(f"{label}: 0/{total}", err=True)
    try:
        yield lines.update
    finally:
        lines.finish()


class _ProgressLines:
    def __init__(self, total: int, label: str) -> None:
        self.total, self.label = total, label
        self.done, self.status, self.printed = 0, "", 0
        self.printed_at = time.monotonic()
        self.lock = threading.Lock()

    def update(self, done: int, status: str) -> None:  # called from worker threads
        with self.lock:
            self.done, self.status = max(done, self.done), status
            if time.monotonic() - self.printed_at >= PROGRESS_INTERVAL:
                self._print()

    def finish(self) -> None:
        with self.lock:
            if self.printed != self.done:
                self._print()

    def _print(self) -> None:
        share = f" ({self.done * 100 // self.total}%)" if self.total else ""
        status = f" {self.status}" if self.status else ""
        click.echo(f"{self.label}: {self.done}/{self.total}{share}{status}", err=True)
        self.printed, self.printed_at = self.done, time.monotonic()


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty())


def _decide_fancy() -> bool:
    return rich_available() and sys.stdout.isatty()


def _escape(text: str) -> str:
    # Data (names, messages) may contain "[...]", which rich would read as markup.
    from rich.markup import escape

    return escape(text)
