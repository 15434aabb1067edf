"""A confirmation token means exactly what the preview said.

1. It confirms the call it was issued for, once: the same operation, account and arguments.
2. It is bound to the records the preview counted: if the selection changed, the repeated call
   answers with a fresh preview instead of deleting.
3. It expires (five minutes by default, configurable).
4. No token appears in any result except the preview that asks for it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from safety_support import BULK, DELETE, exists, people, tag, token_in

from nimble_tools import NimbleToolkit, RetryPolicy, toolsets
from nimble_tools.confirmation import CONFIRM_TOKEN, ConfirmationRequiredError, Confirmations
from nimble_tools.sandbox import FaultPlan


def model_call(toolkit: NimbleToolkit) -> Any:
    """The OpenAI dispatcher as a model drives it: (name, arguments) -> the text the model reads."""
    toolset = toolkit.emit("openai", strict=False)

    def call(name: str, arguments: dict[str, Any], account: str | None = None) -> str:
        message = {
            "role": "assistant",
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
            ],
        }
        [result] = toolset.dispatch(message, account=account)
        return str(result["content"])

    return call


def test_a_token_confirms_its_call_once(toolkit: NimbleToolkit) -> None:
    call = model_call(toolkit)
    victim = people(toolkit, 1)[0]
    token = token_in(call(DELETE, {"id": victim}))
    assert not call(DELETE, {"id": victim, CONFIRM_TOKEN: token}).startswith("Error")
    assert not exists(toolkit, victim)
    replay = call(DELETE, {"id": victim, CONFIRM_TOKEN: token})
    assert "unknown, used or expired" in replay and token not in replay


def test_a_token_does_not_confirm_another_record(toolkit: NimbleToolkit) -> None:
    call = model_call(toolkit)
    first, second = people(toolkit, 2)
    token = token_in(call(DELETE, {"id": first}))
    other = call(DELETE, {"id": second, CONFIRM_TOKEN: token})
    assert "given for a different call" in other and exists(toolkit, second)
    assert "unknown, used or expired" in call(DELETE, {"id": first, CONFIRM_TOKEN: token}), "and it is spent"
    assert exists(toolkit, first)


def test_a_token_does_not_confirm_another_account() -> None:
    from nimble_tools.auth import ApiKeyAccounts
    from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

    box = Sandbox()
    toolkit = NimbleToolkit(
        auth=ApiKeyAccounts({"acme": box.api_key, "globex": box.api_key}),
        base_url=SANDBOX_BASE_URL,
        transport=box.transport(),
        async_transport=box.transport(),
    )
    toolkit.emulator = box
    call = model_call(toolkit)
    victim = box_people(box)
    token = token_in(call(DELETE, {"id": victim}, account="acme"))
    assert "given for a different call" in call(DELETE, {"id": victim, CONFIRM_TOKEN: token}, account="globex")
    assert victim in box.state.table("contacts")


def box_people(box: Any) -> str:
    return next(c["id"] for c in box.state.table("contacts").quiet_values() if c["record_type"] == "person")


def test_a_token_does_not_confirm_another_operation(toolkit: NimbleToolkit) -> None:
    call = model_call(toolkit)
    victim = people(toolkit, 1)[0]
    token = token_in(call(DELETE, {"id": victim}))
    other = call("nimble_contacts_assign_tags", {"id": victim, "tags": [], CONFIRM_TOKEN: token})
    assert "given for a different call" in other


def test_a_forged_token_is_met_with_a_fresh_preview(toolkit: NimbleToolkit) -> None:
    call = model_call(toolkit)
    victim = people(toolkit, 1)[0]
    answer = call(DELETE, {"id": victim, CONFIRM_TOKEN: "made-up-by-the-model"})
    assert "unknown, used or expired" in answer and "needs confirmation" in answer and exists(toolkit, victim)


def test_a_changed_selection_is_previewed_again_instead_of_deleted(toolkit: NimbleToolkit) -> None:
    # The finding: a token confirmed for "1 contact(s)" later deleted 3 contacts created afterwards.
    call = model_call(toolkit)
    first, second, third = people(toolkit, 3)
    selection = tag(toolkit, [first], "purge-me")
    held = call(BULK, selection)
    assert "1 contact(s)" in held
    tag(toolkit, [second, third], "purge-me")  # the selection grows before the user's "yes" arrives
    again = call(BULK, {**selection, CONFIRM_TOKEN: token_in(held)})
    assert "changed since the preview" in again and "3 contact(s)" in again
    assert all(exists(toolkit, c) for c in (first, second, third))
    done = call(BULK, {**selection, CONFIRM_TOKEN: token_in(again)})  # the fresh preview's token runs
    assert not done.startswith("Error") and not any(exists(toolkit, c) for c in (first, second, third))


@pytest.mark.parametrize(("ttl", "after"), [(None, 300), (60, 60)], ids=["five-minutes-by-default", "configured"])
def test_a_token_expires(ttl: float | None, after: float) -> None:
    now = [0.0]
    book = Confirmations(clock=lambda: now[0]) if ttl is None else Confirmations(ttl=ttl, clock=lambda: now[0])
    toolkit = NimbleToolkit.sandbox(confirmations=book)
    call = model_call(toolkit)
    first, second = people(toolkit, 2)
    early, late = token_in(call(DELETE, {"id": first})), token_in(call(DELETE, {"id": second}))
    now[0] = after - 1
    assert not call(DELETE, {"id": first, CONFIRM_TOKEN: early}).startswith("Error")
    now[0] = after + 1
    assert "unknown, used or expired" in call(DELETE, {"id": second, CONFIRM_TOKEN: late})
    assert exists(toolkit, second)


def test_the_book_of_pending_tokens_stays_bounded() -> None:
    book = Confirmations(max_pending=3)
    toolkit = NimbleToolkit.sandbox(confirmations=book)
    call = model_call(toolkit)
    victim = people(toolkit, 1)[0]
    tokens = [token_in(call(DELETE, {"id": victim})) for _ in range(5)]
    assert "pending=3" in repr(book)
    assert "unknown, used or expired" in call(DELETE, {"id": victim, CONFIRM_TOKEN: tokens[0]}), "oldest dropped"
    assert not call(DELETE, {"id": victim, CONFIRM_TOKEN: tokens[-1]}).startswith("Error")


# -- no token anywhere but in the preview that asks for it ----------------------------------------------------


def test_no_token_in_a_failed_composite_action_even_when_the_approver_says_no() -> None:
    # The finding: nimble_close_won_with_file put a live token in its undo_error, which then deleted a
    # deal file although the approver always said no.
    from nimble_tools.sandbox import Sandbox

    box = Sandbox()
    quick = RetryPolicy(backoff_base=0.001, backoff_max=0.005)  # the failing PUT is retried without waiting
    toolkit = NimbleToolkit.sandbox(emulator=box, retry=quick)
    deal = toolkit.call("list_all_nimble_deals", {"limit": 1}).result[0]
    box.inject_faults(
        FaultPlan(server_error=1.0, lost_reply=0.0, methods=frozenset({"PUT"}), path_pattern=r"^/api/v2/deals/[^/]+$")
    )
    toolset = toolkit.emit("openai", tools=["nimble_close_won_with_file", "delete_a_nimble_deal_file_by_id"])
    arguments = {"deal_id": deal["deal_id"], "file_url": "https://www.dropbox.com/s/abc/signed.pdf"}
    message = {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "c",
                "type": "function",
                "function": {"name": "nimble_close_won_with_file", "arguments": json.dumps(arguments)},
            }
        ],
    }
    [result] = toolset.dispatch(message, approve=lambda request: False)
    outcome = json.loads(result["content"])["result"]
    assert outcome["decision"] == "failed" and len(outcome["undone"]) == 1, outcome  # the undo ran as a step
    assert "confirm_token" not in result["content"] and "needs confirmation" not in result["content"]
    box.inject_faults(None)
    files = toolkit.call("get_single_nimble_deal_by_id", {"id": deal["deal_id"]}).result.get("files") or []
    assert files == [], "the action undid its own file"


def test_a_declined_call_says_so_without_a_token(toolkit: NimbleToolkit) -> None:
    [function] = toolkit.emit("callables", tools=[DELETE], approve=False, on_error="return")
    answer = function(id=people(toolkit, 1)[0])
    assert "declined" in answer["error"] and "confirm_token" not in answer["error"]


@pytest.mark.parametrize("scope", [None, toolsets.named(DELETE)], ids=["everything", "one-tool"])
def test_the_meta_tool_hands_its_token_to_the_call_it_makes(toolkit: NimbleToolkit, scope: Any) -> None:
    functions = {f.__name__: f for f in toolkit.emit("callables", tools=toolsets.tool_search(scope), on_error="return")}
    victim = people(toolkit, 1)[0]
    held = functions["call_nimble_tool"](name=DELETE, arguments={"id": victim})
    assert "needs confirmation" in held["error"] and exists(toolkit, victim)
    done = functions["call_nimble_tool"](name=DELETE, arguments={"id": victim}, confirm_token=token_in(held["error"]))
    assert "error" not in done and not exists(toolkit, victim)


def test_the_error_carries_the_token_for_the_application(toolkit: NimbleToolkit) -> None:
    view = toolsets.resolve(toolkit, [DELETE])
    with pytest.raises(ConfirmationRequiredError) as held:
        view.run(DELETE, {"id": people(toolkit, 1)[0]})
    assert held.value.confirm_token in held.value.for_model() and held.value.count is None
