"""The custom-field provisioning action: its plan-and-apply steps, and the handlers ``nimble_provision_custom_fields`` names.

Imported with the first call: the entry point (``nimble_tools_fields_provision``) only declares the operations,
naming the model and the handlers here, so that every registry can load it for nothing.
"""

from __future__ import annotations

from typing import Any

from nimble_tools_action_support import Steps, fold, handlers

from nimble_tools import NimbleAPIError, ServerError, TransportError

from ._backends import Backend, backend_for
from ._layout import Layout
from ._plan import Plan, make_plan
from ._spec import ProvisionParams, choice_id

MAX_ROUNDS = 4
"""Plan-and-apply rounds: a lost answer ends a round, and the next one starts from a fresh read."""


class _Reread(Exception):
    """An answer did not show what was created: read the layout again before going on."""


def _read(backend: Backend) -> Steps[Layout]:
    page = yield backend.read_call()
    return backend.read(page.result)


def _plan(params: ProvisionParams, backend: Backend, layout: Layout) -> Plan:
    key = backend.tab_key(layout)
    tab = layout.tabs.get(key) if key is not None else None
    return make_plan(params, layout, tab, tab.name if tab is not None else params.label)


def _apply(
    params: ProvisionParams, backend: Backend, plan: Plan, layout: Layout, applied: list[dict[str, Any]]
) -> Steps[None]:
    """Run the plan's actions in order, learning new ids from the answers."""
    key = backend.tab_key(layout)
    tab = layout.tabs.get(key) if key is not None else None
    tab_id = tab.tab_id if tab else None
    groups = dict(tab.groups) if tab else {}
    after_in_tab = tab.last_member if tab else None
    after_in_group = dict(tab.last_in_group) if tab else {}
    field_ids = {name: existing.field_id for name, existing in layout.fields.items()}
    last_choice = {name: (f.choices[-1][0] if f.choices else None) for name, f in layout.fields.items()}
    for action in plan.actions:
        if action.action == "create_tab":
            tab_id = backend.tab_id((yield backend.create_tab(layout)).result)
            if not tab_id:
                raise _Reread
        elif action.action == "create_group":
            assert action.group is not None
            answer = yield backend.create_group(action.group, tab_id, after_in_tab)
            group_id = backend.answer_tab(answer.result).groups.get(fold(action.group))
            if not group_id:
                raise _Reread
            groups[fold(action.group)] = after_in_tab = group_id
        elif action.action == "create_field":
            assert action.spec is not None
            group_key = fold(action.group) if action.group else None
            group_id = groups.get(group_key) if group_key else None
            after = after_in_group.get(group_key) if group_key else after_in_tab
            answer = yield backend.create_field(action.spec, tab_id, group_id, after)
            created = backend.answer_fields(answer.result).fields.get(fold(action.spec.name))
            if created is None:
                raise _Reread
            field_ids[fold(action.spec.name)] = created.field_id
            if group_key:
                after_in_group[group_key] = created.field_id
            else:
                after_in_tab = created.field_id
        else:
            assert action.spec is not None and action.choice is not None
            name = fold(action.spec.name)
            option = choice_id(action.choice)
            yield backend.create_choice(field_ids[name], option, action.choice, last_choice.get(name))
            last_choice[name] = option
        applied.append(action.describe(params.label))


def provision_steps(params: ProvisionParams) -> Steps[dict[str, Any]]:
    """Read, plan, and (unless a dry run) apply until nothing is missing."""
    backend = backend_for(params)
    layout = yield from _read(backend)
    if params.pipeline_id is not None and backend.tab_key(layout) is None:
        empty = Plan()
        return {
            **_result(params, empty, empty, [], None, dry_run=params.dry_run),
            "explanation": f"No deal pipeline {params.pipeline_id} was found among the deal fields; nothing was changed.",
        }
    plan = first = _plan(params, backend, layout)
    if params.dry_run:
        return _result(params, first, plan, [], None, dry_run=True)
    applied: list[dict[str, Any]] = []
    error: str | None = None
    for _ in range(MAX_ROUNDS):
        if not plan.actions:
            break
        try:
            yield from _apply(params, backend, plan, layout, applied)
            plan = Plan(kept=plan.kept, drift=plan.drift)
            break
        except (ServerError, TransportError, _Reread) as lost:
            # The change may or may not have been made: read what is there and plan again.
            error = lost.for_model() if isinstance(lost, NimbleAPIError) else "an answer did not show the change"
            layout = yield from _read(backend)
            plan = _plan(params, backend, layout)
        except NimbleAPIError as refused:
            error = refused.for_model()
            break
    return _result(params, first, plan, applied, error if plan.actions else None, dry_run=False)


def _result(
    params: ProvisionParams, first: Plan, last: Plan, applied: list[dict[str, Any]], error: str | None, *, dry_run: bool
) -> dict[str, Any]:
    remaining = [a.describe(params.label) for a in last.actions] if not dry_run else []
    if dry_run:
        explanation = "Dry run: nothing was changed." if first.actions else "Nothing to do: Nimble matches the spec."
    elif remaining:
        explanation = "Some changes could not be made; 'remaining' lists them. Running again is safe."
    else:
        explanation = "Nimble now has every field of the spec." + (" See drift for differences." if last.drift else "")
    record: dict[str, Any] = {
        "dry_run": dry_run,
        "plan": [a.describe(params.label) for a in first.actions],
        "applied": applied,
        "remaining": remaining,
        "kept": last.kept,
        "drift": last.drift,
        "explanation": explanation,
    }
    if error is not None:
        record["error"] = error
    return record


# The handlers the operation names: the steps, run sync or async.
handle, async_handle = handlers(provision_steps).values()
