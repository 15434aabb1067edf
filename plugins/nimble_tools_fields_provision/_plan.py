"""The plan: what to create so that Nimble matches the spec, what already matches, what differs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from nimble_tools_action_support import fold

from ._layout import ExistingField, Layout, TabView
from ._spec import FieldSpec, ProvisionParams

__all__ = ["Action", "Plan", "make_plan"]


@dataclass
class Action:
    """One change to make; :meth:`describe` is its line in the plan."""

    action: Literal["create_tab", "create_group", "create_field", "add_choice"]
    group: str | None = None
    spec: FieldSpec | None = None
    choice: str | None = None

    def describe(self, tab: str) -> dict[str, Any]:
        """``{"action", "tab", "group"?, "field"?, "kind"?, "choice"?}``."""
        line: dict[str, Any] = {"action": self.action, "tab": tab}
        if self.group is not None:
            line["group"] = self.group
        if self.spec is not None:
            line["field"] = self.spec.name
            if self.action == "create_field":
                line["kind"] = self.spec.kind
        if self.choice is not None:
            line["choice"] = self.choice
        return line


@dataclass
class Plan:
    """Actions in the order to run them, fields that already match, and drift (reported, never "fixed")."""

    actions: list[Action] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    drift: list[dict[str, Any]] = field(default_factory=list)


def _differences(spec: FieldSpec, existing: ExistingField, tab: str, group: str | None) -> list[str]:
    if existing.standard:
        return ["is one of Nimble's standard fields; pick another name"]
    problems = []
    if existing.kind != spec.kind:
        problems.append(f"is {existing.kind} in Nimble but {spec.kind} in the spec (a field's kind cannot change)")
    where = f"tab {existing.tab!r}" + (f", group {existing.group!r}" if existing.group else "")
    wanted = f"tab {tab!r}" + (f", group {group!r}" if group else "")
    if fold(where) != fold(wanted):
        problems.append(f"is in {where}, the spec puts it in {wanted}")
    if existing.multiples != spec.multiples:
        problems.append(f"multiples is {existing.multiples} in Nimble, {spec.multiples} in the spec")
    shown = existing.presentation
    for key in ("number_type", "fraction_digits", "currency", "date_format"):
        expected = getattr(spec, key)
        if expected is not None and shown.get(key) != expected:
            problems.append(f"{key} is {shown.get(key)!r} in Nimble, {expected!r} in the spec")
    if existing.validation_known and existing.kind == "string" and spec.validation != existing.validation:
        problems.append(f"validation is {existing.validation!r} in Nimble, {spec.validation!r} in the spec")
    extra = [label for _, label in existing.choices if fold(label) not in {fold(c) for c in spec.choices}]
    if spec.kind == "choice" and extra:
        problems.append(f"has options the spec does not list (kept): {extra}")
    return problems


def make_plan(params: ProvisionParams, layout: Layout, tab: TabView | None, tab_name: str) -> Plan:
    """Compare the spec with the layout; ``tab`` is the spec's tab in it (None: to be created)."""
    plan = Plan()
    if tab is None:
        plan.actions.append(Action("create_tab"))
    for group in params.groups:
        if tab is None or fold(group.name) not in tab.groups:
            plan.actions.append(Action("create_group", group=group.name))
    placed = [(None, spec) for spec in params.fields] + [(g.name, spec) for g in params.groups for spec in g.fields]
    for group_name, spec in placed:
        existing = layout.fields.get(fold(spec.name))
        if existing is None:
            plan.actions.append(Action("create_field", group=group_name, spec=spec))
            continue
        problems = _differences(spec, existing, tab_name, group_name)
        have = {fold(label) for _, label in existing.choices}
        missing = [c for c in spec.choices if fold(c) not in have] if existing.kind == spec.kind else []
        plan.actions += [Action("add_choice", group=group_name, spec=spec, choice=c) for c in missing]
        if problems:
            plan.drift.append({"field": spec.name, "field_id": existing.field_id, "problems": problems})
        elif not missing:
            plan.kept.append(spec.name)
    return plan
