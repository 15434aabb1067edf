"""The pieces of the tool-search ranker: pasted values, what a request says, what a tool does, cards."""

from __future__ import annotations

import importlib.util

import pytest
from pydantic import Field

from nimble_tools import NimbleToolkit, Operation, Params, toolsets
from nimble_tools.tool_search import SEARCH_TOOL, _vectors, search
from nimble_tools.tool_search._cards import choice_lines
from nimble_tools.tool_search._frames import frame
from nimble_tools.tool_search._intent import HEAD, MODIFIER, intent
from nimble_tools.tool_search._lexical import embedding_texts
from nimble_tools.tool_search._query import ID_MARK, parse
from nimble_tools.toolsets import resolve

ID = "64b0c0ffee0ddba11c0ffee1"
OTHER = "64b0c0ffee0ddba11c0ffee2"


def read(text: str) -> dict[str, float]:
    return dict(intent(parse(text)).signals)


# -- pasted values ---------------------------------------------------------------------------------


def test_pasted_values_are_counted_and_taken_out() -> None:
    pasted = parse(f"call ana@example.org or +44 20 7946 0000 about {ID}, see https://example.org/x")
    assert (pasted.ids, pasted.emails, pasted.phones, pasted.urls) == (1, 1, 1, 1)
    assert pasted.text == "call or about , see"
    assert ID_MARK in pasted.marked and ID not in pasted.marked


def test_dates_and_amounts_are_not_phone_numbers() -> None:
    pasted = parse("due 2025-06-30, worth 24000 USD, or 12/05/2025")
    assert pasted.phones == 0 and pasted.ids == 0
    assert "2025-06-30" in pasted.text and "24000" in pasted.text


# -- what a request says ---------------------------------------------------------------------------


def test_the_last_noun_of_a_compound_is_what_is_acted_on() -> None:
    request = intent(parse("rename the deal tag hot to urgent"))
    assert request.head == "tag" and request["deal"] == MODIFIER and request["update"] == 1.0


def test_nouns_after_a_preposition_say_what_it_belongs_to() -> None:
    request = intent(parse("add a choice to the region dropdown"))
    assert request.head == "choice" and request["choice"] == HEAD and request["field"] < HEAD


def test_a_negated_noun_is_taken_out() -> None:
    signals = read(f"put a note on deal {ID}, not on the person")
    assert "deal" in signals and "contact" not in signals


def test_quoted_text_and_names_are_values_not_words() -> None:
    assert "won" not in read(f'rename file {ID} to "contract signed and won"')
    assert "group" not in read("she moved to Halvorsen Group last week")


def test_a_misspelt_word_is_read_as_the_word_one_letter_away() -> None:
    assert intent(parse("rename the custom feild")).head == "field"
    assert "call" not in read("update the phone number")  # a real word is never "corrected"


def test_a_noun_that_starts_a_request_is_its_verb() -> None:
    request = intent(parse(f"tag deal {ID} as priority"))
    assert request.head == "tag" and request["update"] == 1.0


def test_each_pasted_id_belongs_to_the_noun_before_it() -> None:
    assert intent(parse(f"delete note {ID} on deal {OTHER}")).id_owners == ("note", "deal")
    assert intent(parse(f"what changed for {ID}")).id_owners == (None,)


def test_a_request_without_a_verb_reads_and_a_lead_alone_is_a_contact() -> None:
    assert read("tags on the deal")["read"] > 0
    request = intent(parse("add a new lead: Ann Lee from Acme"))
    assert request.head == "contact" and request["lead"] < request["contact"]
    assert intent(parse(f"move lead {ID} to the next stage")).head == "lead"


# -- what a tool does ------------------------------------------------------------------------------


def test_frames_are_read_from_endpoints(toolkit: NimbleToolkit) -> None:
    note = frame(toolkit.operations["update_a_nimble_deal_note_by_id"])
    assert (note.object, note.verb, note.owners, note.id_of) == ("note", "update", {"deal"}, {"deal", "note"})
    tags = frame(toolkit.operations["nimble_contacts_assign_tags"])
    assert (tags.object, tags.id_of) == ("tag", {"contact"})  # /contacts/{id}/tags: a contact's id
    archive = frame(toolkit.operations["nimble_deals_pipelines_archive"])
    assert archive.verb == "update" and archive.actions == {"archive"}
    close = frame(toolkit.operations["nimble_close_won_with_file"])
    assert close.composite and close.object == "deal" and close.requires == {"file"}


class _PartParams(Params):
    pipeline_id: str = Field(description="Pipeline id.")
    name: str = Field(description="Name.")


def test_a_plugins_tool_gets_a_frame_from_its_path() -> None:
    operation = Operation(
        name="add_stage_note",
        description="Add a note to a pipeline.",
        params=_PartParams,
        resource="pipelines",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/notes",
    )
    found = frame(operation)
    assert (found.object, found.verb, found.id_of) == ("note", "create", {"pipeline"})


# -- ranking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_text", "tool"),
    [
        (f"she was promoted, please fix her record {ID}", "update_a_nimble_contact_by_id"),
        (f"jot this on deal {ID}: legal is done", "create_a_nimble_deal_note"),
        (f"jot this on contact {ID}: legal is done", "nimble_contact_notes_create_for_contact"),
        ("rename the deal tag hot to urgent", "update_a_nimble_deals_tag_by_id"),
        (f"what tags does {ID} carry", "get_single_nimble_contact_by_id"),
        ("create a contact for Ann Lee, ann@acme.example", "create_a_nimble_contact"),
    ],
)
def test_a_tool_for_the_record_and_a_tool_for_part_of_it_are_told_apart(
    toolkit: NimbleToolkit, request_text: str, tool: str
) -> None:
    assert search(resolve(toolkit, None), request_text, 1)[0].name == tool


# -- cards -----------------------------------------------------------------------------------------


def test_cards_say_when_to_use_the_tool_rather_than_its_neighbour(toolkit: NimbleToolkit) -> None:
    found = toolkit.call(SEARCH_TOOL, {"query": f"add a note to deal {ID}", "limit": 3}).result
    card = next(c for c in found if c["name"] == "create_a_nimble_deal_note")
    assert "contact" in card["when_to_use"] and "nimble_contact_notes_create_for_contact" in card["when_to_use"]
    composite = choice_lines(tuple(resolve(toolkit, None).values()))["nimble_find_or_create_contact"]
    assert composite.startswith("Prefer it over create_a_nimble_contact when")


def test_card_lines_name_only_tools_of_the_same_scope(toolkit: NimbleToolkit) -> None:
    view = toolsets.tool_search(scope=toolsets.read_only()).bind(toolkit)
    readable = set(resolve(toolkit, toolsets.read_only()))
    for card in view.call(SEARCH_TOOL, {"query": "show the notes of a deal", "limit": 10}).result:
        named = {word.strip(".,;") for word in card["when_to_use"].split()} & set(toolkit.operations)
        assert named <= readable, card


def test_cards_are_built_once_and_handed_out_as_copies(toolkit: NimbleToolkit) -> None:
    first = toolkit.call(SEARCH_TOOL, {"query": "who am i", "limit": 1}).result[0]
    first["parameters"]["properties"] = {"tampered": True}
    again = toolkit.call(SEARCH_TOOL, {"query": "who am i", "limit": 1}).result[0]
    assert again["parameters"].get("properties") != {"tampered": True}


# -- shipped embeddings ----------------------------------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("numpy") is None, reason="the semantic extra is not installed")
def test_the_shipped_embeddings_cover_every_bundled_tool(toolkit: NimbleToolkit) -> None:
    shipped = _vectors.shipped()
    missing = [
        op.name for op in resolve(toolkit, None).values() if not all(text in shipped for text in embedding_texts(op))
    ]
    assert not missing, f"run `python -m nimble_tools.tool_search._vectors` after changing {missing}"
