"""``nimble-tools call ... --trace``: the span tree on stderr, the answer untouched on stdout."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from observability_support import observed

from nimble_tools import NimbleToolkit
from nimble_tools.cli import main
from nimble_tools.observability import format_tree, print_tree, span_rows

LEAD = '{"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example", "company": "Acme"}'


def invoke(*args: str) -> tuple[int, str, str]:
    outcome = CliRunner().invoke(main, list(args), env={"NIMBLE_API_KEY": ""})
    return outcome.exit_code, outcome.stdout, outcome.stderr


def shape(tree: str) -> list[str]:
    """The lines of a printed tree without their timings (the tree drawing, names and outcomes)."""
    lines = []
    for line in tree.splitlines()[1:]:
        before, _, after = line.partition(" ms  ")
        lines.append(f"{before.rsplit(' ', 1)[0].rstrip()} | {after}")
    return lines


def test_trace_prints_the_tree_of_a_composite_action_on_stderr() -> None:
    status, stdout, stderr = invoke("call", "nimble_find_or_create_contact", LEAD, "--sandbox", "--trace", "--json")
    assert status == 0
    assert json.loads(stdout)["result"]["decision"] == "created"  # stdout is still one JSON document
    assert stderr.startswith("trace: 3 call(s), 2 HTTP request(s), ")
    assert shape(stderr) == [
        "execute_tool nimble_find_or_create_contact | ok",
        "├── execute_tool list_all_nimble_contacts_search | ok",
        "│   └── GET /api/v1/contacts | 200",
        "└── execute_tool create_a_nimble_contact | ok",
        "    └── POST /api/v1/contact | 200",
    ]


def test_trace_of_a_failed_call_comes_before_the_error() -> None:
    status, _, stderr = invoke(
        "call", "get_single_nimble_contact_by_id", '{"id": "' + "0" * 24 + '"}', "--sandbox", "--trace"
    )
    assert status == 1
    tree, error = stderr.split("\nerror: ", 1)
    assert shape(tree) == [
        "execute_tool get_single_nimble_contact_by_id | NotFoundError",
        "└── GET /api/v1/contact/{id} | 200",  # live Nimble answers a missing contact with an empty 200
    ]
    assert error.startswith("Nimble answered HTTP 200: No contact with id ")


def test_trace_of_a_confirmed_delete_shows_both_calls_and_the_confirmation() -> None:
    status, _, stderr = invoke("call", "nimble_contacts_bulk", '{"keyword": "Turing"}', "--sandbox", "--yes", "--trace")
    assert status == 0
    rows = shape(stderr)
    held = [row for row in rows if row.startswith("execute_tool nimble_contacts_bulk")]
    assert held == [
        "execute_tool nimble_contacts_bulk | ConfirmationRequiredError  confirmation asked",
        "execute_tool nimble_contacts_bulk | ok  confirmation approved",
    ]
    assert any("DELETE /api/v1/contacts | 200" in row for row in rows)


def test_without_trace_nothing_is_printed_on_stderr() -> None:
    status, _, stderr = invoke("call", "list_all_nimble_me", "--sandbox")
    assert status == 0 and stderr == ""


def test_the_tree_renders_with_colours_for_a_terminal(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    some = toolkit.call("list_all_nimble_contacts", {"limit": 1}).result[0]["id"]
    toolkit.call("get_single_nimble_contact_by_id", {"id": some})
    marked = format_tree(span_rows(recorded.spans()), markup=True)
    assert any("[green]" in line for line in marked) and any("[cyan]" in line for line in marked)
    out = io.StringIO()
    print_tree(recorded.spans(), fancy=True, file=out)
    assert "GET /api/v1/contact/{id}" in out.getvalue() and "[green]" not in out.getvalue()


def test_an_empty_trace_says_so() -> None:
    out = io.StringIO()
    print_tree([], file=out)
    assert out.getvalue() == "trace: no span was recorded\n"
