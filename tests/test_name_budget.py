"""The name budget: every tool name fits 64 characters behind a client's prefix, or gets a short alias."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nimble_tools import InvalidArgumentsError, NimbleToolkit, UsageError, toolsets
from nimble_tools._names import COMMON_CLIENT_PREFIXES, over_budget, short_alias, short_aliases

SEED_NAMES = [op["tool"] for op in json.loads((Path(__file__).parent / "data" / "operations.json").read_text())]
SAFE_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")


def test_every_registered_name_fits_behind_claude_codes_mcp_prefix(toolkit: NimbleToolkit) -> None:
    assert over_budget(toolkit.operations, ["mcp__nimble__"]) == []


def test_the_seed_names_fit_exactly_and_a_longer_server_name_overflows() -> None:
    assert max(len("mcp__nimble__" + n) for n in SEED_NAMES) == 64
    overflowing = over_budget(SEED_NAMES, ["mcp__nimble-crm__"])
    assert overflowing and all(length > 64 for _, _, length in overflowing)


@pytest.mark.parametrize("prefix", COMMON_CLIENT_PREFIXES)
def test_short_names_fit_every_common_prefix_without_collisions(prefix: str) -> None:
    budget = 64 - len(prefix)
    aliases = short_aliases(SEED_NAMES, budget)
    final = [aliases.get(n, n) for n in SEED_NAMES]
    assert len(set(final)) == len(final)
    assert all(SAFE_NAME.match(n) and len(prefix + n) <= 64 for n in final)
    assert set(aliases) == {n for n in SEED_NAMES if len(n) > budget}  # only names that need it change


def test_aliases_are_readable_and_stable() -> None:
    assert short_alias("update_a_nimble_deal_pipeline_fields_group_by_id", 45) == (
        "update_nimble_deal_pipeline_fields_group"
    )
    assert short_alias("update_a_nimble_deal_pipeline_fields_group_by_id", 30) == "update_nb_deal_pipe_flds_grp"
    hashed = short_alias("update_a_nimble_deal_pipeline_fields_group_by_id", 20)
    assert re.fullmatch(r"update_nb_[a-z_]+_[0-9a-f]{6}", hashed) and len(hashed) <= 20
    assert short_alias("update_a_nimble_deal_pipeline_fields_group_by_id", 20) == hashed  # same input, same alias
    assert short_alias("list_all_nimble_me", 64) == "list_all_nimble_me"


def test_an_alias_that_would_collide_falls_back_to_a_hash() -> None:
    # Without filler words both become 'get_nimble_contact_note'; the second is taken by a real name.
    names = ["get_single_nimble_contact_note_by_id", "get_nimble_contact_note"]
    aliases = short_aliases(names, 30)
    alias = aliases["get_single_nimble_contact_note_by_id"]
    assert alias != "get_nimble_contact_note" and re.search(r"_[0-9a-f]{6}$", alias) and len(alias) <= 30
    distinct = short_aliases(["delete_a_nimble_deal_note_by_id", "delete_all_nimble_deal_note"], 25)
    assert len(set(distinct.values())) == 2


def test_a_budget_too_small_for_any_alias_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="too small"):
        short_alias("create_a_nimble_contact", 6)


def test_the_short_names_view_calls_the_original(toolkit: NimbleToolkit) -> None:
    view = toolsets.everything().short_names(reserve="mcp__a_very_long_server_name_here__").bind(toolkit)
    budget = 64 - len("mcp__a_very_long_server_name_here__")
    assert all(len(name) <= budget for name in view)
    renamed = {name: view.origin(name) for name in view if name != view.origin(name)}
    assert renamed  # a budget of 29 characters forces some aliases
    alias, origin = next((a, o) for a, o in renamed.items() if toolkit.operations[o].read_only)
    assert view[alias].params is toolkit.operations[origin].params
    with pytest.raises(InvalidArgumentsError, match=f"tool '{origin}'.*no_such_argument"):
        view.call(alias, {"no_such_argument": 1})  # validated as the original tool
