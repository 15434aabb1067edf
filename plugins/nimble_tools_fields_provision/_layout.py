"""Nimble's field layout (tabs, groups, fields) read into a form the planner can compare."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nimble_tools_action_support import fold

__all__ = ["ExistingField", "Layout", "TabView", "read_layout", "read_tab"]


@dataclass
class ExistingField:
    """A field as Nimble has it."""

    field_id: str
    name: str
    kind: str
    multiples: bool
    choices: list[tuple[str, str]]
    """``(id, label)`` of each option."""
    presentation: Mapping[str, Any]
    validation: str | None
    standard: bool
    tab: str
    group: str | None
    validation_known: bool = True
    """False where the layout does not show validation rules (deal pipelines)."""


@dataclass
class TabView:
    """One tab: its id, group ids by folded name, and its fields."""

    tab_id: str
    name: str
    groups: dict[str, str] = field(default_factory=dict)
    group_names: dict[str, str] = field(default_factory=dict)
    last_member: str | None = None
    """Id of the tab's last group or loose field (new members go after it)."""
    last_in_group: dict[str, str] = field(default_factory=dict)
    """Id of each group's last field, by folded group name."""


@dataclass
class Layout:
    """Every tab by folded name, and every field by folded name (names are unique account-wide)."""

    tabs: dict[str, TabView] = field(default_factory=dict)
    fields: dict[str, ExistingField] = field(default_factory=dict)
    last_tab: str | None = None


def _field(raw: Mapping[str, Any], tab: str, group: str | None) -> ExistingField:
    field_type = raw.get("field_type") or {}
    values = (field_type.get("values") or {}).get("values") or []
    rule = field_type.get("validation_rule") or {}
    return ExistingField(
        field_id=str(raw.get("field_id") or raw.get("id") or ""),
        name=str(raw.get("name", "")),
        kind=str(field_type.get("field_kind", "")),
        multiples=bool(raw.get("multiples", False)),
        choices=[(str(v.get("id")), str(v.get("value"))) for v in values if isinstance(v, Mapping)],
        presentation=raw.get("presentation") or {},
        validation=rule.get("type") if isinstance(rule, Mapping) else None,
        standard=bool(raw.get("is_standard", False)) or raw.get("available_actions") == "view_only",
        tab=tab,
        group=group,
    )


def read_tab(raw: Mapping[str, Any], layout: Layout | None = None) -> TabView:
    """Read one tab (as the tab-changing calls answer); add its fields to ``layout`` if given."""
    name = str(raw.get("tab_name", ""))
    view = TabView(str(raw.get("tab_id", "")), name)
    for member in raw.get("members") or []:
        if not isinstance(member, Mapping):
            continue
        if member.get("type") == "group":
            group = str(member.get("name", ""))
            view.groups[fold(group)] = view.last_member = str(member.get("group_id", ""))
            view.group_names[fold(group)] = group
            for raw_field in member.get("fields") or []:
                if isinstance(raw_field, Mapping):
                    found = _field(raw_field, name, group)
                    view.last_in_group[fold(group)] = found.field_id
                    if layout is not None:
                        layout.fields[fold(found.name)] = found
        else:
            found = _field(member, name, None)
            view.last_member = found.field_id
            if layout is not None:
                layout.fields[fold(found.name)] = found
    return view


def read_layout(body: Any) -> Layout:
    """Read ``GET /api/v1/contacts/fields`` (``{"tabs": [...]}``)."""
    layout = Layout()
    tabs = body.get("tabs") if isinstance(body, Mapping) else body
    for raw in tabs or []:
        if isinstance(raw, Mapping):
            view = read_tab(raw, layout)
            layout.tabs[fold(view.name)] = view
            layout.last_tab = view.tab_id
    return layout
