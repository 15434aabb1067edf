"""Tool search: the two meta-tools, their scope, and how well the ranker finds tools for users' words."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from nimble_tools import (
    CallContext,
    InvalidArgumentsError,
    NimbleToolkit,
    PolicyViolationError,
    hookimpl,
    toolsets,
)
from nimble_tools.tool_search import (
    CALL_TOOL,
    SEARCH_TOOL,
    LabelledRequest,
    _cards,
    _intent,
    _ranking,
    _semantic,
    _synonyms,
    evaluate,
    search,
)
from nimble_tools.tool_search._lexical import query_terms
from nimble_tools.tool_search._text import stem, terms
from nimble_tools.toolsets import resolve

DATA = Path(__file__).parent / "data"
LABELLED = json.loads((DATA / "tool_search_requests.json").read_text())["requests"]
# The blind sets (issue 15): written by separate writers who saw only a plain description of
# Nimble, labelled afterwards. A was tuned on, B checked, C left untouched until the end.
BLIND = {
    name: json.loads(path.read_text())["requests"]
    for name in ("a", "b", "c")
    if (path := DATA / "tool_search" / f"blind_{name}.json").is_file()
}
SEED_NAMES = {op["tool"] for op in json.loads((DATA / "operations.json").read_text())}
# The spec's operations that the seed list lacks, as the catalog names them.
SPEC_EXTRAS = {
    "list_all_nimble_deals",
    "list_all_nimble_activities",
    "create_a_nimble_task",
    "nimble_contact_notes_create_for_contact",
}

# Floors a little under the figures measured when written (README, "Fewer tools, fewer tokens");
# a change that makes search worse fails here. Raise them when search gets better.
# (top-1, top-5) per set: the old set, then the blind ones; hybrid, then lexical alone.
FLOORS = {"old": (0.85, 0.97), "a": (0.88, 0.97), "b": (0.84, 0.96), "c": (0.80, 0.95)}
LEXICAL_FLOORS = {"old": (0.82, 0.97), "a": (0.88, 0.97), "b": (0.81, 0.95), "c": (0.79, 0.93)}


def sent(toolkit: NimbleToolkit) -> int:
    assert toolkit.emulator is not None
    return toolkit.emulator.request_count


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    @hookimpl
    def before_call(self, context: CallContext) -> None:
        self.seen.append((context.operation.name, context.account))
        if context.operation.destructive:
            raise PolicyViolationError("deletes are off", tool=context.operation.name)


# -- the meta-tools --------------------------------------------------------------------------------


def test_search_returns_cards_with_argument_schemas(toolkit: NimbleToolkit) -> None:
    before = sent(toolkit)
    found = toolkit.call(SEARCH_TOOL, {"query": "which Nimble user am I? my own user id", "limit": 3}).result
    assert sent(toolkit) == before  # searching sends nothing to Nimble
    assert len(found) == 3
    me = next(card for card in found if card["name"] == "list_all_nimble_me")
    assert set(me) == {"name", "description", "when_to_use", "parameters"}
    assert me["description"] == toolkit.operations["list_all_nimble_me"].description
    assert me["parameters"]["type"] == "object"
    card = next(c for c in toolkit.call(SEARCH_TOOL, {"query": "open a contact by id"}).result if "id" in c["name"])
    assert "title" not in json.dumps(card["parameters"]).replace('"title":', "")  # no pydantic titles
    assert card["parameters"]["required"] == ["id"]


def test_search_never_offers_the_meta_tools(toolkit: NimbleToolkit) -> None:
    names = [c["name"] for c in toolkit.call(SEARCH_TOOL, {"query": "search tools call tool", "limit": 10}).result]
    assert SEARCH_TOOL not in names and CALL_TOOL not in names


def test_call_runs_the_tool_through_the_call_path() -> None:
    toolkit = NimbleToolkit.sandbox(accounts=["acct-7"])
    recorder = Recorder()
    toolkit.register_plugin(recorder, name="recorder")
    direct = toolkit.call("list_all_nimble_me")
    via = toolkit.call(CALL_TOOL, {"name": "list_all_nimble_me", "arguments": {}}, account="acct-7")
    assert via.result == direct.result
    assert ("list_all_nimble_me", "acct-7") in recorder.seen  # policies saw the real tool and account
    assert (CALL_TOOL, "acct-7") in recorder.seen


def test_call_refuses_what_a_policy_refuses_and_sends_nothing(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(Recorder(), name="recorder")
    before = sent(toolkit)
    with pytest.raises(PolicyViolationError, match="deletes are off"):
        toolkit.call(CALL_TOOL, {"name": "delete_a_nimble_contact_by_id", "arguments": {"id": "5f" + "0" * 22}})
    assert sent(toolkit) == before


def test_call_validates_the_inner_arguments(toolkit: NimbleToolkit) -> None:
    with pytest.raises(InvalidArgumentsError, match=r"get_single_nimble_contact_by_id.*id: required"):
        toolkit.call(CALL_TOOL, {"name": "get_single_nimble_contact_by_id", "arguments": {}})


def test_call_accepts_arguments_sent_as_json_text(toolkit: NimbleToolkit) -> None:
    first = toolkit.call("list_all_nimble_contacts", {"limit": 1}).result[0]
    arguments = json.dumps({"id": first["id"]})
    result = toolkit.call(CALL_TOOL, {"name": "get_single_nimble_contact_by_id", "arguments": arguments})
    assert result.result["resources"][0]["id"] == first["id"]


def test_an_unknown_tool_names_the_field_and_close_matches(toolkit: NimbleToolkit) -> None:
    before = sent(toolkit)
    with pytest.raises(InvalidArgumentsError) as caught:
        toolkit.call(CALL_TOOL, {"name": "get_contact", "arguments": {}})
    assert caught.value.errors[0][0] == "name"
    message = caught.value.for_model()
    assert "get_single_nimble_contact_by_id" in message and SEARCH_TOOL in message
    assert sent(toolkit) == before


def test_the_call_tool_does_not_call_itself(toolkit: NimbleToolkit) -> None:
    with pytest.raises(InvalidArgumentsError, match="no tool named 'call_nimble_tool'"):
        toolkit.call(CALL_TOOL, {"name": CALL_TOOL, "arguments": {"name": "list_all_nimble_me"}})


def test_a_scope_limits_what_is_searched_and_called(toolkit: NimbleToolkit) -> None:
    view = toolsets.tool_search(scope=toolsets.read_only()).bind(toolkit)
    assert list(view) == [SEARCH_TOOL, CALL_TOOL]
    assert view[CALL_TOOL].read_only and not view[CALL_TOOL].destructive
    found = view.call(SEARCH_TOOL, {"query": "delete a contact", "limit": 10}).result
    assert found and all(toolkit.operations[c["name"]].read_only for c in found)
    before = sent(toolkit)
    with pytest.raises(InvalidArgumentsError, match="no tool named 'delete_a_nimble_contact_by_id'"):
        view.call(CALL_TOOL, {"name": "delete_a_nimble_contact_by_id", "arguments": {"id": "5f" + "0" * 22}})
    assert sent(toolkit) == before
    assert view.call(CALL_TOOL, {"name": "list_all_nimble_me"}).result["email"] == "admin@sandbox.example"


def test_a_scope_with_deletes_marks_the_call_tool_destructive(toolkit: NimbleToolkit) -> None:
    view = toolsets.tool_search().bind(toolkit)
    assert view[CALL_TOOL].destructive and not view[CALL_TOOL].read_only
    assert view[SEARCH_TOOL].read_only


def test_the_scope_keeps_its_names_and_compact_results(toolkit: NimbleToolkit) -> None:
    scope = toolsets.resource("contacts").prefixed("crm")
    view = (toolsets.tool_search(scope=scope).prefixed("nb")).bind(toolkit)
    assert list(view) == ["nb_search_nimble_tools", "nb_call_nimble_tool"]
    found = view.call("nb_search_nimble_tools", {"query": "find Jane Smith"}).result
    assert found and all(c["name"].startswith("crm_") for c in found)
    page = view.call("nb_call_nimble_tool", {"name": "crm_list_all_nimble_contacts", "arguments": {"limit": 2}})
    assert len(page.result) == 2 and all("fields" not in c for c in page.result)


def test_meta_tools_combine_with_a_few_direct_tools(toolkit: NimbleToolkit) -> None:
    view = resolve(toolkit, toolsets.named("list_all_nimble_me") | toolsets.tool_search())
    assert list(view) == ["list_all_nimble_me", SEARCH_TOOL, CALL_TOOL]


def test_async_call_through_the_meta_tool(toolkit: NimbleToolkit) -> None:
    import asyncio

    view = toolsets.tool_search().bind(toolkit)
    result = asyncio.run(view.acall(CALL_TOOL, {"name": "list_all_nimble_me"}))
    assert result.result["email"] == "admin@sandbox.example"


def test_bad_search_arguments_name_the_field(toolkit: NimbleToolkit) -> None:
    with pytest.raises(InvalidArgumentsError, match="query"):
        toolkit.call(SEARCH_TOOL, {"query": ""})
    with pytest.raises(InvalidArgumentsError, match="limit"):
        toolkit.call(SEARCH_TOOL, {"query": "contacts", "limit": 50})


# -- the ranker ------------------------------------------------------------------------------------


def test_terms_meet_across_word_forms() -> None:
    assert stem("contacts") == stem("contacted") == stem("contact")
    assert stem("create") == stem("created") == stem("creating")
    assert stem("notes") == stem("note") and stem("replies") == stem("reply")
    assert stem("tagging") == stem("tag") and stem("status") == "status"
    assert terms("List_all_nimble_contacts for ME") == ["list", "nimbl", "contact"]


def test_users_words_reach_the_catalogs_words() -> None:
    weights = query_terms("show me my history with Jane")
    assert weights["history"] == 1.0
    assert weights[stem("proceeding")] < 1.0  # added by the synonym table, at a lower weight
    assert "won" in query_terms("we closed the Acme deal") and "successful" in query_terms("we closed it")


def test_without_the_semantic_extra_search_is_lexical(toolkit: NimbleToolkit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_semantic.DISABLE_ENV, "0")
    assert not _semantic.available()
    assert _semantic.semantic_ranker([("a document",)]) is None
    view = resolve(toolkit, None)
    assert search(view, "change a contact's email", 1)[0].name == "update_a_nimble_contact_by_id"


def test_the_model_is_asked_only_when_the_top_tools_are_close(
    toolkit: NimbleToolkit, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def fake_model(documents: Any) -> Any:
        def scores(query: str) -> list[float]:
            asked.append(query)
            return [float(i) for i in range(len(documents))]

        return scores

    monkeypatch.setattr(_ranking, "semantic_ranker", fake_model)
    operations = tuple(resolve(toolkit, None).values())
    rank = _ranking.ranker.__wrapped__(operations, True)
    rank("archive the pipeline 5f1c8e2ab94d0736c2e1f58a")  # words and structure agree: far ahead
    assert asked == []
    close = "what about the thing"  # nothing stands out: the model's scores join in
    joined = rank(close)
    assert asked == [close]
    alone = _ranking.ranker.__wrapped__(operations, False)(close)
    added = [a - b for a, b in zip(joined, alone, strict=True)]
    assert added[-1] - added[0] == pytest.approx(1.0)  # the model's scores, scaled to [0, 1], added


@pytest.mark.skipif(not _semantic.available(), reason="the semantic extra is not installed")
def test_the_embedding_model_runs_offline_and_knows_meaning() -> None:
    model = _semantic._model()
    # sentence-transformers' own example sentences: all-MiniLM-L6-v2 puts the first two at about 0.75.
    vectors = model.encode(["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."])
    assert vectors.shape == (3, 384)
    assert float(vectors[0] @ vectors[0]) == pytest.approx(1.0, abs=1e-5)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.75, abs=0.03)
    assert float(vectors[0] @ vectors[2]) < 0.3


def test_the_index_is_built_once_per_view(toolkit: NimbleToolkit) -> None:
    view = resolve(toolkit, None)
    search(view, "warm up", 5)
    built = _ranking.ranker.cache_info().misses
    for item in LABELLED[:20]:
        search(view, item["request"], 5)
    assert _ranking.ranker.cache_info().misses == built


# -- the labelled requests -------------------------------------------------------------------------


def test_the_labelled_set_is_large_and_names_real_tools(toolkit: NimbleToolkit) -> None:
    assert len(LABELLED) >= 150
    known = SEED_NAMES | SPEC_EXTRAS | set(toolkit.operations)
    intended = {item["tools"][0] for item in LABELLED}
    assert intended <= known, intended - known
    assert len(intended) >= 80  # nearly every tool has requests of its own
    assert len({item["request"].lower() for item in LABELLED}) == len(LABELLED)


def test_requests_are_in_users_words_not_copied_from_descriptions(toolkit: NimbleToolkit) -> None:
    def runs(text: str, n: int = 5) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9]+", text.lower())
        return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}

    catalog = set().union(*(runs(op.description) for op in toolkit.operations.values()))
    copied = [item["request"] for item in LABELLED if runs(item["request"]) & catalog]
    assert len(copied) <= len(LABELLED) // 50, copied


def measure(toolkit: NimbleToolkit, requests: list[dict[str, Any]]) -> Any:
    return evaluate(resolve(toolkit, None), [LabelledRequest.from_dict(r) for r in requests], k=5)


SETS = {"old": LABELLED, **BLIND}


@pytest.mark.parametrize("name", sorted(SETS))
def test_search_accuracy_on_requests_in_users_words(toolkit: NimbleToolkit, name: str) -> None:
    accuracy = measure(toolkit, SETS[name])
    assert accuracy.measured == len(SETS[name])
    top1, top5 = FLOORS[name] if _semantic.available() else LEXICAL_FLOORS[name]
    assert accuracy.topk >= top5, accuracy.misses
    assert accuracy.top1 >= top1


@pytest.mark.parametrize("name", sorted(SETS))
def test_lexical_accuracy_alone(toolkit: NimbleToolkit, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(_semantic.DISABLE_ENV, "0")
    accuracy = measure(toolkit, SETS[name])
    top1, top5 = LEXICAL_FLOORS[name]
    assert accuracy.topk >= top5, accuracy.misses
    assert accuracy.top1 >= top1


def test_the_blind_sets_are_separate_and_name_real_tools(toolkit: NimbleToolkit) -> None:
    assert {"a", "b"} <= set(BLIND)
    seen: set[str] = set()
    for requests in BLIND.values():
        assert len(requests) >= 150
        texts = {item["request"].strip().lower() for item in requests}
        assert not texts & seen  # no request is in two sets
        seen |= texts
        assert all(set(item["tools"]) <= set(toolkit.operations) for item in requests)


def _runs(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_no_evaluation_request_is_written_into_the_ranker(toolkit: NimbleToolkit) -> None:
    """No request of any labelled set, nor a long run of its words, is in what the ranker reads.

    Seven words: shorter runs that requests share with descriptions are the domain's own phrases
    ("created in the last 30 days" is in the plain description the blind writers read).
    """
    corpus = [_synonyms._TABLE, _intent._TABLE, *_cards._COMPOSITE_REASONS.values(), *_cards._NOUNS.values()]
    for operation in toolkit.operations.values():
        corpus.append(operation.description)
        corpus += [field.description or "" for field in operation.params.model_fields.values()]
    written = set().union(*(_runs(text, 7) for text in corpus))
    flat = " ".join(" ".join(re.findall(r"[a-z0-9]+", text.lower())) for text in corpus)
    for name, requests in SETS.items():
        for item in requests:
            words = " ".join(re.findall(r"[a-z0-9]+", item["request"].lower()))
            assert words not in flat, (name, item["request"])
            assert not _runs(item["request"], 7) & written, (name, item["request"])
