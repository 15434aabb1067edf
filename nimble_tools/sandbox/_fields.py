"""Contact field metadata: Nimble's default fields, custom fields, and their tab/group layout.

Each sandbox has its own :class:`ContactLayout` (see :func:`layout_of`): tabs hold groups and
loose fields, groups hold fields, choice fields hold options. Default fields keep the same ids in
every sandbox; custom ones get fresh ids. Rendering follows ``Fields.ContactFieldsTab`` of the spec.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._http import ApiError

if TYPE_CHECKING:
    from ._state import SandboxState

__all__ = ["ContactLayout", "FieldDef", "Group", "Tab", "field_id_for", "find_field", "layout_of"]

CUSTOM_KINDS = ("string", "long_string", "choice", "number", "datetime", "boolean", "address", "user")
NUMBER_TYPES = ("integer", "decimal", "percentage", "financial")
MAX_NAME = 50


def field_id_for(name: str) -> str:
    """A stable 24-hex id for a default field or tab name, the same in every sandbox."""
    return hashlib.sha1(f"field:{name}".encode()).hexdigest()[:24]


@dataclass
class FieldDef:
    """One contact field: name, kind, modifiers, options, presentation and where it may be used."""

    name: str
    modifiers: tuple[str, ...] = ()
    multiples: bool = True
    kind: str = "string"
    record_types: tuple[str, ...] = ("person", "company")
    standard: bool = True
    fixed_id: str | None = None
    choices: list[dict[str, str]] = field(default_factory=list)
    ordering_type: str = "ordinal"
    validation_rule: str | None = None
    presentation: dict[str, Any] = field(default_factory=dict)

    @property
    def field_id(self) -> str:
        return self.fixed_id or field_id_for(self.name)

    @property
    def key(self) -> str:
        """The lower-cased name used for lookups."""
        return self.name.lower()

    def choice_ids(self) -> set[str]:
        return {c["id"] for c in self.choices}

    def render(self) -> dict[str, Any]:
        """``Fields.ContactField``."""
        # birthday is a text field to Nimble ("MM/DD/YYYY" or "MM/DD"); "date" is only our validation rule
        field_type: dict[str, Any] = {"field_kind": "string" if self.kind == "date" else self.kind}
        if self.kind == "choice":
            field_type["values"] = {"ordering_type": self.ordering_type, "values": [dict(c) for c in self.choices]}
        if self.validation_rule:
            field_type["validation_rule"] = {"type": self.validation_rule}
        actions = "edit_all"
        if self.standard:
            actions = "edit_choices_only" if self.kind == "choice" else "view_only"
        return {
            "type": "field",
            "name": self.name,
            "field_id": self.field_id,
            "modifier": "",
            "multiples": self.multiples,
            "read_only": False,
            "field_type": field_type,
            "presentation": _presentation(self),
            "available_actions": actions,
        }


_WIDGETS = {
    "long_string": "multi-line-text-box",
    "choice": "select-box",
    "boolean": "boolean",
    "address": "address",
    "user": "objectid",
}


def _presentation(definition: FieldDef) -> dict[str, Any]:
    if definition.kind == "datetime":
        return {
            "date_format": definition.presentation.get("date_format"),
            "ignore_specific_time": definition.presentation.get("ignore_specific_time"),
        }
    if definition.kind == "number":
        number_type = definition.presentation.get("number_type", "integer")
        shown = {"type": "numeric-general", "width": "1", "number_type": number_type}
        if number_type in ("decimal", "percentage"):
            shown["fraction_digits"] = definition.presentation.get("fraction_digits")
        if number_type == "financial":
            shown["currency"] = definition.presentation.get("currency")
        return shown
    widget = {"email": "email", "phone": "phone", "URL": "url", "birthday": "date-wo-year"}.get(definition.name)
    return {"type": widget or _WIDGETS.get(definition.kind, "single-line-text-box"), "width": "1"}


def _legacy_presentation(definition: FieldDef) -> dict[str, Any]:
    """The legacy metadata's presentation: a choice field's options live here (and ``next_id``)."""
    shown = _presentation(definition)
    if definition.kind == "choice":
        numbers = [int(c["id"]) for c in definition.choices if c["id"].isdigit()]
        shown |= {"values": [dict(c) for c in definition.choices], "next_id": str(max(numbers, default=0) + 1)}
    return shown


@dataclass
class Group:
    """A group of fields inside a tab."""

    group_id: str
    name: str
    logo_id: str
    fields: list[str] = field(default_factory=list)
    is_standard: bool = False


@dataclass
class Tab:
    """A tab of the contact card: groups and loose fields, in order."""

    tab_id: str
    tab_name: str
    contact_types: list[str]
    is_standard: bool = False
    members: list[tuple[str, str]] = field(default_factory=list)
    """``("group", group_id)`` or ``("field", field_id)`` in display order."""


def _choices(*labels: str) -> list[dict[str, str]]:
    return [{"id": str(i), "value": label} for i, label in enumerate(labels, start=1)]


_SOCIAL = (
    "skype id",
    "twitter",
    "facebook",
    "linkedin",
    "google plus",
    "muck rack",
    "threads",
    "instagram",
    "tiktok",
    "youtube",
    "foursquare",
)


def _default_fields() -> list[FieldDef]:
    return [
        FieldDef("first name", multiples=False, record_types=("person",)),
        FieldDef("middle name", multiples=False, record_types=("person",)),
        FieldDef("last name", multiples=False, record_types=("person",)),
        FieldDef("birthday", multiples=False, kind="date", record_types=("person",)),
        FieldDef("contact employment", kind="employment", record_types=("person",)),
        FieldDef("company name", multiples=False, record_types=("company",)),
        FieldDef("domain", multiples=False, record_types=("company",)),
        FieldDef("annual revenue", multiples=False, record_types=("company",)),
        FieldDef(
            "# of employees",
            multiples=False,
            kind="choice",
            record_types=("company",),
            choices=_choices("1-10", "11-50", "51-200", "201-1000", "1000+"),
        ),
        FieldDef("phone", modifiers=("work", "home", "mobile", "main", "home fax", "work fax", "other")),
        FieldDef("email", modifiers=("work", "personal", "other")),
        *(FieldDef(name) for name in _SOCIAL),
        FieldDef("address", modifiers=("work", "home", "other"), kind="address"),
        FieldDef("description", modifiers=("other", "twitter", "facebook", "linkedin", "google+", "foursquare")),
        FieldDef("URL", modifiers=("work", "personal", "blog", "other")),
        FieldDef("hubspot", multiples=False),
        # Ratings are stored as the option id, which is the number of stars (searchable as a number).
        FieldDef("rating", multiples=False, kind="choice", choices=[{"id": str(n), "value": str(n)} for n in range(6)]),
        FieldDef(
            "lead status", multiples=False, kind="choice", choices=_choices("New", "Contacted", "Qualified", "Lost")
        ),
        FieldDef("lead source", multiples=False, kind="choice", choices=_choices("Web", "Referral", "Event", "Other")),
        FieldDef(
            "lead type",
            multiples=False,
            kind="choice",
            choices=_choices("Analyst", "Competitor", "Customer", "Investor", "Lead", "Partner", "Prospect", "Other"),
        ),
    ]


# Nimble's default tabs ("Nimble Default Field Tabs"): name, contact types, groups and loose fields.
_DEFAULT_TABS: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...]], ...] = (
    (
        "Personal Info",
        ("person",),
        (("Name", ("first name", "middle name", "last name")),),
        ("birthday", "contact employment"),
    ),
    ("Company Info", ("company",), (), ("company name", "domain", "annual revenue", "# of employees")),
    (
        "Contact Info",
        ("person", "company"),
        (("Social", _SOCIAL),),
        ("phone", "email", "address", "description", "URL", "hubspot"),
    ),
    ("Lead Details", ("person", "company"), (), ("rating",)),
    ("Additional Lead Fields", ("person", "company"), (), ("lead status", "lead source", "lead type")),
)


class ContactLayout:
    """The field metadata of one sandbox account."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.fields: dict[str, FieldDef] = {}
        self.groups: dict[str, Group] = {}
        self.tabs: list[Tab] = []
        for definition in _default_fields():
            self.fields[definition.field_id] = definition
        for tab_name, types, groups, loose in _DEFAULT_TABS:
            tab = Tab(field_id_for(f"tab:{tab_name}"), tab_name, list(types), is_standard=True)
            for group_name, members in groups:
                group = Group(field_id_for(f"group:{group_name}"), group_name, "1", is_standard=True)
                group.fields = [field_id_for(n) for n in members]
                self.groups[group.group_id] = group
                tab.members.append(("group", group.group_id))
            tab.members += [("field", field_id_for(n)) for n in loose]
            self.tabs.append(tab)

    # -- lookups -----------------------------------------------------------------------------

    def find(self, name: str) -> FieldDef | None:
        """A field by its case-insensitive name."""
        key = name.strip().lower()
        return next((f for f in self.fields.values() if f.key == key), None)

    def field(self, field_id: str) -> FieldDef:
        """A field by id, or 404 ``contact field``."""
        if field_id not in self.fields:
            raise ApiError.not_found("contact field", field_id)
        return self.fields[field_id]

    def tab(self, tab_id: str) -> Tab:
        """A tab by id, or 404 ``contact fields tab``."""
        found = next((t for t in self.tabs if t.tab_id == tab_id), None)
        if found is None:
            raise ApiError.not_found("contact fields tab", tab_id)
        return found

    def group(self, group_id: str) -> Group:
        """A group by id, or 404 ``contact fields group``."""
        if group_id not in self.groups:
            raise ApiError.not_found("contact fields group", group_id)
        return self.groups[group_id]

    def tab_of_group(self, group_id: str) -> Tab:
        return next(t for t in self.tabs if ("group", group_id) in t.members)

    def location(self, field_id: str) -> tuple[Tab, Group | None]:
        """The tab and (if any) group holding a field."""
        for tab in self.tabs:
            if ("field", field_id) in tab.members:
                return tab, None
            for kind, member_id in tab.members:
                if kind == "group" and field_id in self.groups[member_id].fields:
                    return tab, self.groups[member_id]
        raise ApiError.not_found("contact field", field_id)

    def fields_of_tab(self, tab: Tab) -> list[str]:
        ids: list[str] = []
        for kind, member_id in tab.members:
            ids += self.groups[member_id].fields if kind == "group" else [member_id]
        return ids

    # -- rendering ---------------------------------------------------------------------------

    def render_tab(self, tab: Tab) -> dict[str, Any]:
        """``Fields.ContactFieldsTab``."""
        members: list[dict[str, Any]] = []
        for kind, member_id in tab.members:
            if kind == "field":
                members.append(self.fields[member_id].render())
            else:
                group = self.groups[member_id]
                members.append(
                    {
                        "type": "group",
                        "name": group.name,
                        "group_id": group.group_id,
                        "logo_id": group.logo_id,
                        "is_standard": group.is_standard,
                        "fields": [self.fields[f].render() for f in group.fields],
                    }
                )
        return {
            "tab_id": tab.tab_id,
            "tab_name": tab.tab_name,
            "contact_types": list(tab.contact_types),
            "is_standard": tab.is_standard,
            "members": members,
            "available_actions": "rearrange_only" if tab.is_standard else "edit_all",
        }

    def render(self) -> dict[str, Any]:
        """``Fields.ContactsFieldsMetadata``."""
        return {"tabs": [self.render_tab(t) for t in self.tabs]}

    def render_legacy(self) -> dict[str, Any]:
        """``Contacts.FieldsMetadata``: the deprecated ``{fields, groups}`` maps ("Legacy contacts metadata").

        ``fields`` maps a field name to one entry per modifier; ``groups`` maps a group name to its
        fields in order. A tab's loose fields form a group named after the tab.
        """
        fields: dict[str, list[dict[str, Any]]] = {}
        groups: dict[str, dict[str, Any]] = {}
        for tab in self.tabs:
            kind = "both" if set(tab.contact_types) >= {"person", "company"} else tab.contact_types[0]
            loose = [member_id for member_kind, member_id in tab.members if member_kind == "field"]
            sections = [(tab.tab_id, tab.tab_name, tab.is_standard, loose)]
            for member_kind, member_id in tab.members:
                if member_kind == "group":
                    group = self.groups[member_id]
                    sections.append((group.group_id, group.name, group.is_standard, group.fields))
            for section_id, name, standard, field_ids in sections:
                if not field_ids:
                    continue
                names = [self.fields[f].name for f in field_ids]
                groups[name] = {
                    "id": section_id,
                    "name": name,
                    "label": name,
                    "order": names,
                    "is_standard": standard,
                    "type": kind,
                }
                for field_id in field_ids:
                    definition = self.fields[field_id]
                    fields[definition.name] = [
                        {
                            "id": definition.field_id,
                            "name": definition.name,
                            "label": definition.name,
                            "group": name,
                            "modifier": modifier,
                            "multiples": definition.multiples,
                            "read_only": False,
                            "presentation": _legacy_presentation(definition),
                        }
                        for modifier in definition.modifiers or ("",)
                    ]
        return {"fields": fields, "groups": groups}


def insert_after(items: list[Any], item: Any, after: str | None, ids: list[str], what: str) -> None:
    """Insert ``item`` after the sibling whose id is ``after`` (first when None), or 409."""
    if after is None:
        items.insert(0, item)
        return
    if after not in ids:
        raise ApiError.validation(
            f"insert_after: no {what} with id {after} at this level",
            {"insert_after": {"message": f"Unknown sibling id {after}"}},
        )
    items.insert(ids.index(after) + 1, item)


_LAYOUTS: weakref.WeakKeyDictionary[SandboxState, ContactLayout] = weakref.WeakKeyDictionary()


def layout_of(state: SandboxState) -> ContactLayout:
    """The contact field layout of a sandbox (made on first use)."""
    layout = _LAYOUTS.get(state)
    if layout is None:
        layout = _LAYOUTS[state] = ContactLayout(state)
    return layout


def find_field(state: SandboxState, name: str) -> FieldDef | None:
    """The definition of a contact field by its (case-insensitive) name, default or custom."""
    return layout_of(state).find(name)
