"""The ``nimble-tools import-leads`` command, added to the command line through ``register_commands``."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from nimble_tools import InvalidArgumentsError, Operation
from nimble_tools._console import Console, dumps
from nimble_tools._lead_files import LeadFile, LeadRow, read_lead_file, write_rejects
from nimble_tools.cli_support import (
    CommandFailed,
    bulk_progress,
    command_toolkit,
    json_option,
    operation_of,
    sandbox_option,
)

__all__ = ["import_leads"]

IMPORT_LEADS = "nimble_import_leads"


@click.command("import-leads")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@sandbox_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), help="File format (default: its suffix).")
@click.option("--country", help="Two-letter country of phones written without a country code.")
@click.option("--fill-empty", is_flag=True, help="Fill empty fields of contacts that already exist.")
@click.option("--batch-size", type=click.IntRange(1, 200), default=50, show_default=True, help="Leads per lookup.")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True, help="Lookups in flight.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid leads and write the invalid ones, with the reason, to a reject file (see --rejects).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The reject file of --skip-invalid (default: FILE's name with .rejected before the suffix).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the full report (one decision per lead) to this JSON file.",
)
@json_option
def import_leads(
    file: Path,
    sandbox: bool,
    fmt: str | None,
    country: str | None,
    fill_empty: bool,
    batch_size: int,
    concurrency: int,
    skip_invalid: bool,
    rejects: Path | None,
    report: Path | None,
    as_json: bool,
) -> None:
    """Import people from FILE (CSV, JSON or JSON Lines) without creating duplicates.

    Each lead is matched on email, then phone, then name + company, and created only when nothing
    matches; running the same import again creates nothing new. CSV headings name the fields:
    first_name, last_name, email, phone, country, company, title, tags (separated by ';'), and
    field:<Nimble field> for other fields. Use --sandbox to try a file first.

    \b
    Every lead is checked before anything is sent; an invalid one stops the import, naming its
    line, unless --skip-invalid imports the others and writes it to a reject file with the reason.
    """
    if str(file) == "-":
        if fmt is None:
            raise click.BadParameter("reading leads from stdin needs --format.", param_hint="FILE")
        leads_file = read_lead_file(Path("stdin"), fmt=fmt, text=sys.stdin.read())
    else:
        leads_file = read_lead_file(file, fmt=fmt)
    toolkit = command_toolkit(sandbox)
    op = operation_of(toolkit, IMPORT_LEADS)
    arguments: dict[str, Any] = {"fill_empty": fill_empty, "batch_size": batch_size, "concurrency": concurrency}
    if country:
        arguments["country"] = country
    valid, rejected = _check_leads(op, arguments, leads_file)
    rejects_path: Path | None = None
    if rejected:
        if not skip_invalid:
            _refuse_invalid(leads_file, rejected)
        rejects_path = rejects or _rejects_path(file, leads_file)
        write_rejects(rejects_path, leads_file, rejected)
    console = Console()
    outcome: dict[str, Any] = {"total": 0, "calls": 0, "leads": []}
    if valid:
        with bulk_progress(console, op, enabled=not as_json) as on_progress:
            arguments["leads"] = [row.lead for row in valid]
            outcome = toolkit.call(op.name, arguments, on_progress=on_progress).result
        for lead in outcome["leads"]:  # where each lead is in the file, not in the list sent
            lead["where"] = valid[lead["index"]].where
    outcome["rejected"] = [{"where": row.where, "reason": reason} for row, reason in rejected]
    if rejects_path is not None:
        outcome["rejects_file"] = str(rejects_path)
    if report is not None:
        report.write_text(dumps(outcome) + "\n", encoding="utf-8")
    if as_json:
        click.echo(dumps(outcome))
        return
    _print_import(console, outcome, report)


def _check_leads(
    op: Operation, arguments: dict[str, Any], leads_file: LeadFile
) -> tuple[list[LeadRow], list[tuple[LeadRow, str]]]:
    """Split the rows into valid leads and invalid ones with their reasons, by the operation's own rules."""
    valid: list[LeadRow] = []
    rejected: list[tuple[LeadRow, str]] = []
    for row in leads_file.rows:
        try:
            op.validate_arguments({**arguments, "leads": [row.lead]})
        except InvalidArgumentsError as error:
            if any(not field.startswith("leads.0") for field, _ in error.errors):
                raise  # an option of the command (--country ...), not the lead
            problems = [(field.removeprefix("leads.0").lstrip("."), _plain_problem(p)) for field, p in error.errors]
            rejected.append((row, "; ".join(f"{f}: {p}" if f else p for f, p in problems)))
        else:
            valid.append(row)
    return valid, rejected


def _plain_problem(problem: str) -> str:
    """A validation message without pydantic's "Value error, " and the echo of the input (the row is beside it)."""
    return re.sub(r" \(got .*\)$", "", problem.removeprefix("Value error, "))


def _refuse_invalid(leads_file: LeadFile, rejected: list[tuple[LeadRow, str]]) -> None:
    shown = [f"{leads_file.name}, {row.where}: {reason}" for row, reason in rejected[:10]]
    if len(rejected) > 10:
        shown.append(f"... and {len(rejected) - 10} more")
    raise CommandFailed(
        f"{len(rejected)} of {len(leads_file.rows)} leads are invalid; nothing was imported.\n"
        + "\n".join(shown)
        + "\nFix them, or add --skip-invalid to import the others and write these to a reject file.",
        kind="InvalidArgumentsError",
        details={"rejected": [{"where": row.where, "reason": reason} for row, reason in rejected]},
    )


def _rejects_path(file: Path, leads_file: LeadFile) -> Path:
    suffix = ".csv" if leads_file.headings is not None else ".jsonl"
    if str(file) == "-":
        return Path(f"rejected{suffix}")
    return file.with_name(f"{file.stem}.rejected{suffix}")


def _print_import(console: Console, outcome: dict[str, Any], report: Path | None) -> None:
    decisions = ("created", "matched", "ambiguous", "failed")
    rows = [[d, str(outcome.get(d, 0))] for d in decisions]
    rejected = outcome.get("rejected", [])
    if rejected:
        rows.append(["rejected (invalid)", str(len(rejected))])
    console.table(["decision", "leads"], rows, title="Import")
    console.line(f"{outcome['total']} leads in {outcome['calls']} requests.")
    attention = [lead for lead in outcome["leads"] if lead["decision"] in ("ambiguous", "failed")]
    for lead in attention[:10]:
        console.line(f"  {lead['where']}: {lead['decision']}: {lead.get('explanation', '')}", style="yellow")
    if len(attention) > 10:
        console.line(f"  ... and {len(attention) - 10} more.")
    if rejected:
        console.note(f"{len(rejected)} invalid lead(s) written, with the reason, to {outcome['rejects_file']}.")
    if report is not None:
        console.note(f"Full report in {report}.")
