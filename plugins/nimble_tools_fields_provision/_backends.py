"""Where the fields live: contact fields (tabs of the account) or a deal pipeline's one tab.

Both speak the same plan; a backend knows its operations, how to read its layout, and how to find
a new id in the answer to a create.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nimble_tools_action_support import Call, fold

from ._layout import ExistingField, Layout, TabView, read_layout, read_tab
from ._spec import FieldSpec, ProvisionParams

__all__ = ["Backend", "ContactFields", "DealPipelineFields", "backend_for"]


class Backend:
    """The operations and answer shapes of one kind of custom fields."""

    def read_call(self) -> Call:
        """The call that reads the layout."""
        raise NotImplementedError

    def read(self, body: Any) -> Layout:
        """The layout from the read call's answer."""
        raise NotImplementedError

    def tab_key(self, layout: Layout) -> str | None:
        """The folded name of the spec's tab in ``layout`` (None when it does not exist yet)."""
        raise NotImplementedError

    def create_tab(self, layout: Layout) -> Call:
        """The call creating the tab."""
        raise NotImplementedError

    def tab_id(self, answer: Any) -> str | None:
        """The new tab's id from the create-tab answer."""
        raise NotImplementedError

    def create_group(self, name: str, tab_id: str | None, after: str | None) -> Call:
        """The call creating a group in the tab, after sibling ``after``."""
        raise NotImplementedError

    def create_field(self, spec: FieldSpec, tab_id: str | None, group_id: str | None, after: str | None) -> Call:
        """The call creating a field, in a group or loose in the tab, after sibling ``after``."""
        raise NotImplementedError

    def create_choice(self, field_id: str, option_id: str, label: str, after: str | None) -> Call:
        """The call adding an option to a choice field, after option ``after``."""
        raise NotImplementedError

    def answer_tab(self, answer: Any) -> TabView:
        """The tab (with its new member) from the answer to a group or field create."""
        raise NotImplementedError

    def answer_fields(self, answer: Any) -> Layout:
        """The fields named in the answer to a field create."""
        raise NotImplementedError


@dataclass
class ContactFields(Backend):
    """Custom contact fields: tabs are found by name and created when missing."""

    params: ProvisionParams

    def read_call(self) -> Call:
        return "list_all_nimble_contact_fields", {}

    def read(self, body: Any) -> Layout:
        return read_layout(body)

    def tab_key(self, layout: Layout) -> str | None:
        key = fold(self.params.tab or "")
        return key if key in layout.tabs else None

    def create_tab(self, layout: Layout) -> Call:
        arguments = {"tab_name": self.params.tab, "contact_types": self.params.contact_types}
        return "create_a_nimble_contact_field_tab", {**arguments, "insert_after": layout.last_tab}

    def tab_id(self, answer: Any) -> str | None:
        return read_tab(answer).tab_id or None

    def create_group(self, name: str, tab_id: str | None, after: str | None) -> Call:
        return "create_a_nimble_contact_fields_group", {"name": name, "tab_id": tab_id, "insert_after": after}

    def create_field(self, spec: FieldSpec, tab_id: str | None, group_id: str | None, after: str | None) -> Call:
        place = {"tab_id": tab_id, "group_id": group_id, "insert_after": after, "multiples": spec.multiples}
        return "create_a_nimble_contact_field", {**spec.create_arguments(), **place}

    def create_choice(self, field_id: str, option_id: str, label: str, after: str | None) -> Call:
        arguments = {"field_id": field_id, "option_id": option_id, "value": label, "insert_after": after}
        return "create_a_nimble_contact_field_choice", arguments

    def answer_tab(self, answer: Any) -> TabView:
        return read_tab(answer)

    def answer_fields(self, answer: Any) -> Layout:
        found = Layout()
        read_tab(answer, found)
        return found


@dataclass
class DealPipelineFields(Backend):
    """Custom fields of one deal pipeline: a single tab, which always exists."""

    pipeline_id: str

    def read_call(self) -> Call:
        return "list_all_nimble_deal_fields", {}

    def read(self, body: Any) -> Layout:
        layout = Layout()
        for raw in (body or {}).get("pipelines_tabs") or []:
            if isinstance(raw, Mapping) and raw.get("pipeline_id") == self.pipeline_id:
                view = _deal_tab(raw, layout)
                layout.tabs[fold(view.name)] = view
        for raw in (body or {}).get("standard_fields") or []:
            if isinstance(raw, Mapping):
                standard = _deal_field(raw, "", None)
                standard.standard = True
                layout.fields.setdefault(fold(standard.name), standard)
        return layout

    def tab_key(self, layout: Layout) -> str | None:
        return next(iter(layout.tabs), None)

    def create_tab(self, layout: Layout) -> Call:
        raise AssertionError("a deal pipeline's tab always exists")

    def tab_id(self, answer: Any) -> str | None:
        raise AssertionError("a deal pipeline's tab always exists")

    def create_group(self, name: str, tab_id: str | None, after: str | None) -> Call:
        arguments = {"pipeline_id": self.pipeline_id, "group_name": name, "insert_after": after}
        return "create_a_nimble_deal_pipeline_fields_group", arguments

    def create_field(self, spec: FieldSpec, tab_id: str | None, group_id: str | None, after: str | None) -> Call:
        arguments = {**spec.create_arguments(), "pipeline_id": self.pipeline_id, "insert_after": after}
        if group_id is not None:
            arguments["group_id"] = group_id
        return "create_a_nimble_deal_pipeline_field", arguments

    def create_choice(self, field_id: str, option_id: str, label: str, after: str | None) -> Call:
        arguments = {"pipeline_id": self.pipeline_id, "field_id": field_id, "option_id": option_id, "value": label}
        return "create_a_nimble_deal_pipeline_choice", {**arguments, "insert_after": after}

    def answer_tab(self, answer: Any) -> TabView:
        layout = self.read(answer)
        return next(iter(layout.tabs.values()), TabView("", ""))

    def answer_fields(self, answer: Any) -> Layout:
        return self.read(answer)


def _deal_field(raw: Mapping[str, Any], tab: str, group: str | None) -> ExistingField:
    values = (raw.get("possible_values") or {}).get("values") or []
    return ExistingField(
        field_id=str(raw.get("field_id", "")),
        name=str(raw.get("field_name", "")),
        kind=str(raw.get("field_type", "")),
        multiples=bool(raw.get("multiples", False)),
        choices=[(str(v.get("id")), str(v.get("value"))) for v in values if isinstance(v, Mapping)],
        presentation=raw.get("presentation") or {},
        validation=None,
        standard=False,
        tab=tab,
        group=group,
        validation_known=False,  # the deal layout does not show validation rules
    )


def _deal_tab(raw: Mapping[str, Any], layout: Layout) -> TabView:
    view = TabView(str(raw.get("tab_id", "")), str(raw.get("tab_name", "")))
    for member in raw.get("members") or []:
        if not isinstance(member, Mapping):
            continue
        if member.get("type") == "group":
            group = str(member.get("group_name", ""))
            view.groups[fold(group)] = view.last_member = str(member.get("group_id", ""))
            view.group_names[fold(group)] = group
            for inner in member.get("fields") or []:
                found = _deal_field(inner.get("field") or {}, view.name, group)
                view.last_in_group[fold(group)] = found.field_id
                layout.fields[fold(found.name)] = found
        else:
            found = _deal_field(member.get("field") or {}, view.name, None)
            view.last_member = found.field_id
            layout.fields[fold(found.name)] = found
    return view


def backend_for(params: ProvisionParams) -> Backend:
    """The backend the spec targets: a deal pipeline when ``pipeline_id`` is given, else contacts."""
    if params.pipeline_id is not None:
        return DealPipelineFields(params.pipeline_id)
    return ContactFields(params)
