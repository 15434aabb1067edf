"""The limits every argument value respects, whatever its field (nimble_tools._limits)."""

from __future__ import annotations

from typing import Any

import pytest

from nimble_tools import InvalidArgumentsError, NimbleToolkit
from nimble_tools._limits import MAX_DEPTH, MAX_STRING_LENGTH, MAX_VALUES, check_argument_values

NOTE = "create_a_nimble_contact_note"
SOME_ID = "5e" * 12


def refused(toolkit: NimbleToolkit, arguments: dict[str, Any]) -> str:
    before = toolkit.emulator.request_count  # type: ignore[union-attr]
    with pytest.raises(InvalidArgumentsError) as caught:
        toolkit.call(NOTE, arguments)
    assert toolkit.emulator.request_count == before  # type: ignore[union-attr]
    return caught.value.for_model()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("before\x00after", "control character U+0000 at position 6"),
        ("\x1b[31mred", "control character U+001B at position 0"),
        ("next\x85line", "control character U+0085"),
        ("half \ud83d of an emoji", "unpaired surrogate U+D83D at position 5"),
        ("x" * (MAX_STRING_LENGTH + 1), "is 1,000,001 characters long; at most 1,000,000 are accepted"),
    ],
    ids=["nul", "escape", "c1", "surrogate", "huge"],
)
def test_text_that_no_field_takes(toolkit: NimbleToolkit, text: str, problem: str) -> None:
    message = refused(toolkit, {"contact_ids": [SOME_ID], "note": text})
    assert NOTE in message and "note: " in message and problem in message
    assert "nothing was sent to Nimble" in message


@pytest.mark.parametrize(
    "text",
    ["tabs\tand\nlines\r\n", "Zoë 李 🙂 مرحبا \u200d\u202e", "x" * MAX_STRING_LENGTH],
    ids=["whitespace", "unicode", "longest"],
)
def test_text_every_field_takes(toolkit: NimbleToolkit, text: str) -> None:
    contact = toolkit.call("nimble_contacts_contact_ids", {"limit": 1}).result[0]
    note = toolkit.call(NOTE, {"contact_ids": [contact], "note": text}).result
    assert toolkit.call("get_single_nimble_contact_note_by_id", {"id": note["id"]}).result["note"] == text


def test_keys_are_checked_too() -> None:
    with pytest.raises(InvalidArgumentsError, match=r"fields\.bad\x07key: the key contains the control character"):
        check_argument_values("tool", {"fields": {"bad\x07key": 1}})


def test_depth_and_count() -> None:
    deep: Any = "leaf"
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(InvalidArgumentsError, match=f"nested more than {MAX_DEPTH} levels deep"):
        check_argument_values("tool", {"value": deep})
    check_argument_values("tool", {"value": [[["fine"]]]})
    with pytest.raises(InvalidArgumentsError, match="more than 1,000,000 values in one call"):
        check_argument_values("tool", {"items": list(range(MAX_VALUES + 1))})
    check_argument_values("tool", {"leads": [{"first_name": "A", "email": "a@b.example"}] * 20_000})


def test_at_most_five_problems_are_listed() -> None:
    with pytest.raises(InvalidArgumentsError) as caught:
        check_argument_values("tool", {f"f{i}": "\x00" for i in range(9)})
    assert len(caught.value.errors) == 5 and caught.value.errors[0][0] == "f0"


def test_model_instances_inside_arguments_are_looked_into() -> None:
    from nimble_tools.types import ContactFields

    fields = ContactFields(first_name="Ann\x00")
    with pytest.raises(InvalidArgumentsError, match=r"fields\.first_name: contains the control character"):
        check_argument_values("create_a_nimble_contact", {"fields": fields})
