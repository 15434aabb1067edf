"""Safety policies through the call-lifecycle hooks (core side; adapters map them to their frameworks)."""

from __future__ import annotations

import pytest

from nimble_tools import NimbleToolkit, PolicyViolationError
from nimble_tools.policies import ConfirmationRequiredError, ConfirmDestructivePolicy, ReadOnlyPolicy

SOME_ID = "5e" * 12


def test_read_only_policy_refuses_writes_and_allows_reads(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(ReadOnlyPolicy(), name="read-only")
    before = toolkit.emulator.request_count  # type: ignore[union-attr]
    for name, arguments in [
        ("create_a_nimble_contact", {"fields": {"last name": [{"value": "X"}]}}),
        ("delete_a_nimble_contact_by_id", {"id": SOME_ID}),
    ]:
        with pytest.raises(PolicyViolationError, match="read-only") as caught:
            toolkit.call(name, arguments)
        assert name in caught.value.for_model()
    assert toolkit.emulator.request_count == before  # type: ignore[union-attr]
    assert toolkit.call("list_all_nimble_me").result["user_id"]


def test_destructive_call_needs_the_token_for_exactly_that_call(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(ConfirmDestructivePolicy(), name="confirm")
    victim = toolkit.call("nimble_contacts_contact_ids", {"limit": 2}).result
    with pytest.raises(ConfirmationRequiredError) as caught:
        toolkit.call("delete_a_nimble_contact_by_id", {"id": victim[0]})
    token = caught.value.confirm_token
    assert token in caught.value.for_model() and "cannot be undone" in caught.value.preview
    assert victim[0] in toolkit.call("nimble_contacts_contact_ids", {"limit": 100}).result  # still there

    with pytest.raises(ConfirmationRequiredError):  # a token does not confirm another record
        toolkit.call("delete_a_nimble_contact_by_id", {"id": victim[1]}, confirm_token=token)
    with pytest.raises(ConfirmationRequiredError):  # nor another account
        toolkit.call("delete_a_nimble_contact_by_id", {"id": victim[0]}, confirm_token=token, account="other")

    toolkit.call("delete_a_nimble_contact_by_id", {"id": victim[0]}, confirm_token=token)
    assert victim[0] not in toolkit.call("nimble_contacts_contact_ids", {"limit": 100}).result


def test_non_destructive_calls_pass_untouched(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(ConfirmDestructivePolicy(), name="confirm")
    created = toolkit.call("create_a_nimble_contact", {"fields": {"last name": [{"value": "Kept"}]}})
    assert created.result["id"]


def test_policy_repr_carries_no_secret() -> None:
    policy = ConfirmDestructivePolicy(secret=b"super-secret-bytes")
    assert "super-secret" not in repr(policy)
