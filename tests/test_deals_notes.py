"""Deal notes end to end: create, update, delete."""

from __future__ import annotations

from deals_support import me, new_deal, raises_api, refused_before_sending, second_user_toolkit

from nimble_tools import InvalidArgumentsError, NimbleToolkit

MISSING = "0123456789abcdef01234567"


def test_note_lifecycle(deal_toolkit: NimbleToolkit) -> None:
    deal_id = new_deal(deal_toolkit)["deal_id"]
    note = deal_toolkit.call(
        "create_a_nimble_deal_note", {"deal_id": deal_id, "title": "Kick-off", "body": "Met the buyer."}
    ).result
    assert (note["title"], note["body"]) == ("Kick-off", "Met the buyer.")
    assert note["creator"]["user_id"] == me(deal_toolkit)
    edited = deal_toolkit.call(
        "update_a_nimble_deal_note_by_id", {"deal_id": deal_id, "id": note["note_id"], "body": "Met the CFO."}
    ).result
    assert (edited["title"], edited["body"]) == ("Kick-off", "Met the CFO.")
    assert (
        deal_toolkit.call("delete_a_nimble_deal_note_by_id", {"deal_id": deal_id, "id": note["note_id"]}).result is None
    )
    raises_api(deal_toolkit, "delete_a_nimble_deal_note_by_id", {"deal_id": deal_id, "id": note["note_id"]}, 404)
    raises_api(
        deal_toolkit, "update_a_nimble_deal_note_by_id", {"deal_id": deal_id, "id": note["note_id"], "title": "x"}, 404
    )


def test_note_failures(deal_toolkit: NimbleToolkit) -> None:
    deal_id = new_deal(deal_toolkit)["deal_id"]
    error = refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call("create_a_nimble_deal_note", {"deal_id": deal_id, "body": "no title"})
    )
    assert isinstance(error, InvalidArgumentsError) and error.errors == [("title", "required, but missing")]
    refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call("create_a_nimble_deal_note", {"deal_id": deal_id, "title": "x" * 257})
    )
    refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call("update_a_nimble_deal_note_by_id", {"deal_id": deal_id, "id": MISSING})
    )
    raises_api(deal_toolkit, "create_a_nimble_deal_note", {"deal_id": MISSING, "title": "x"}, 404)
    note = deal_toolkit.call("create_a_nimble_deal_note", {"deal_id": deal_id, "title": "Mine"}).result
    other_deal = new_deal(deal_toolkit)["deal_id"]
    # A note is found only under its own deal.
    raises_api(deal_toolkit, "delete_a_nimble_deal_note_by_id", {"deal_id": other_deal, "id": note["note_id"]}, 404)


def test_notes_of_private_deals_are_refused(deal_toolkit: NimbleToolkit) -> None:
    admin = me(deal_toolkit)
    deal_id = new_deal(
        deal_toolkit,
        privacy={"read": {"user_ids": [admin], "group_ids": []}, "edit": {"user_ids": [admin], "group_ids": []}},
    )["deal_id"]
    other = second_user_toolkit(deal_toolkit)
    raises_api(other, "create_a_nimble_deal_note", {"deal_id": deal_id, "title": "x"}, 403)


def test_deleting_a_deal_deletes_its_notes(deal_toolkit: NimbleToolkit) -> None:
    deal_id = new_deal(deal_toolkit)["deal_id"]
    deal_toolkit.call("create_a_nimble_deal_note", {"deal_id": deal_id, "title": "x"})
    assert deal_toolkit.emulator is not None
    notes = deal_toolkit.emulator.state.table("deal_notes")
    before = len(notes)
    deal_toolkit.call("delete_a_nimble_deal_by_id", {"id": deal_id})
    assert len(notes) == before - 1
