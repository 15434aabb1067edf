from __future__ import annotations

from nimble_tools import NimbleToolkit


def test_sandbox_me(toolkit: NimbleToolkit) -> None:
    me = toolkit.call("list_all_nimble_me").result
    assert me["user_id"] == toolkit.emulator.state.me_id  # type: ignore[union-attr]
