"""What the property tests and the soak found, pinned down one case each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hardening_support import ADAPTERS, Adapters, Wire, adapters_for, request_problems, wired_toolkit

from nimble_tools import NimbleToolkit


@pytest.fixture(scope="module")
def rig() -> Iterator[tuple[NimbleToolkit, Wire, Adapters]]:
    toolkit, wire = wired_toolkit()
    with adapters_for(toolkit) as adapters:
        yield toolkit, wire, adapters


@pytest.mark.parametrize("target", ADAPTERS)
def test_a_tool_without_parameters_refuses_unknown_ones(rig: tuple[NimbleToolkit, Wire, Adapters], target: str) -> None:
    # langchain-core skipped validation for a schema without fields and dropped the argument unseen
    _, wire, adapters = rig
    wire.clear()
    outcome = adapters.call(target, "list_all_nimble_me", {"user": "someone else"})
    assert not outcome.ok and not wire.sent
    assert "user: unknown field" in outcome.text


@pytest.mark.parametrize("target", ADAPTERS)
def test_only_what_the_model_sent_reaches_the_operation(rig: tuple[NimbleToolkit, Wire, Adapters], target: str) -> None:
    # langchain-core filled in every default, so a text field looked as if it had been given a currency
    toolkit, wire, adapters = rig
    pipeline = toolkit.call("list_all_nimble_deals_pipelines").result[0]["pipeline_id"]
    wire.clear()
    arguments = {"pipeline_id": pipeline, "name": f"Notes {target}", "field_kind": "long_string"}
    outcome = adapters.call(target, "create_a_nimble_deal_pipeline_field", arguments)
    assert outcome.ok, outcome.text
    assert [request_problems(sent) for sent in wire.sent] == [[]]


def test_an_empty_list_stays_out_of_the_query(rig: tuple[NimbleToolkit, Wire, Adapters]) -> None:
    toolkit, wire, _ = rig
    contact = toolkit.call("nimble_contacts_contact_ids", {"limit": 1}).result[0]
    wire.clear()
    toolkit.call("get_single_nimble_contact_by_id", {"id": contact, "contexts": []})
    [sent] = wire.sent
    assert sent.query == [] and not request_problems(sent)


@pytest.mark.parametrize("target", ["openai", "mcp"])
@pytest.mark.parametrize("token", [12345, ["a"], "t" * 257])
def test_a_confirm_token_of_the_wrong_kind_is_refused(
    rig: tuple[NimbleToolkit, Wire, Adapters], target: str, token: object
) -> None:
    # these adapters take the token out before validation; it was ignored, and the delete went out
    _, wire, adapters = rig
    wire.clear()
    outcome = adapters.call(target, "delete_a_nimble_contact_note_by_id", {"id": "5e" * 12, "confirm_token": token})
    assert not outcome.ok and not wire.sent
    assert "confirm_token: expected the token" in outcome.text


@pytest.mark.parametrize("target", ADAPTERS)
def test_deals_list_in_compact_form(rig: tuple[NimbleToolkit, Wire, Adapters], target: str) -> None:
    # the compact projection read a deal's transitions as a list; Nimble sends one object
    _, _, adapters = rig
    outcome = adapters.call(target, "list_all_nimble_deals", {"limit": 3})
    assert outcome.ok, outcome.text
    assert '"stage":' in outcome.text and '"pipeline":' in outcome.text
