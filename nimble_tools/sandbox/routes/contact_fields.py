"""Contact field metadata: fields, choices, groups and tabs, with preflight checks on deletes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._fields import CUSTOM_KINDS, MAX_NAME, NUMBER_TYPES, ContactLayout, FieldDef, Group, Tab, insert_after, layout_of
from .._http import ApiError, Router, SandboxRequest

router = Router()


def _body(request: SandboxRequest) -> Mapping[str, Any]:
    return request.json if isinstance(request.json, Mapping) else {}


def _require(body: Mapping[str, Any], *keys: str) -> None:
    missing = [k for k in keys if k not in body]
    if missing:
        raise ApiError.validation(
            f"missing required properties: {missing}", {"/": {"message": f"missing required properties: {missing}"}}
        )


def _name(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= MAX_NAME:
        raise ApiError.validation(f"{key} must be 1 to {MAX_NAME} characters", {f"/{key}": {"message": "invalid"}})
    return value.strip()


def _preflight(request: SandboxRequest) -> bool:
    raw = request.arg("preflight_checks")
    if raw is None:
        raise ApiError.validation(
            "preflight_checks is required", {"preflight_checks": {"message": "pass true or false"}}
        )
    return request.flag("preflight_checks")


def _in_use(request: SandboxRequest, definitions: list[FieldDef], choice: str | None = None) -> list[str]:
    """Ids of contacts holding a value in any of ``definitions`` (or that option of a choice field)."""
    used = []
    for record in request.st.table("contacts").values():
        for definition in definitions:
            values = record["fields"].get(definition.name) or []
            if any(choice is None or v["value"] == choice for v in values):
                used.append(record["id"])
                break
    return used


def _refuse_if_used(request: SandboxRequest, definitions: list[FieldDef], choice: str | None = None) -> None:
    used = _in_use(request, definitions, choice)
    if used:
        names = [d.name for d in definitions]
        query: Any = {"or": [{name: {"is_empty": False}} for name in names]}
        if choice is not None:
            query = {names[0]: {"is": choice}}
        raise ApiError.preflight(
            "field_in_use",
            f"{len(used)} contact(s) hold values here; delete with preflight_checks=false to drop them",
            len(used),
            query,
        )


def _drop_values(request: SandboxRequest, definitions: list[FieldDef], choice: str | None = None) -> None:
    for record in request.st.table("contacts").values():
        for definition in definitions:
            values = record["fields"].get(definition.name)
            if not values:
                continue
            kept = [v for v in values if choice is not None and v["value"] != choice]
            if kept:
                record["fields"][definition.name] = kept
            else:
                record["fields"].pop(definition.name, None)


def _custom(definition: FieldDef, what: str = "changed") -> None:
    if definition.standard:
        raise ApiError.validation(
            f"Standard field '{definition.name}' can't be {what}", {"field_id": {"message": "standard field"}}
        )


def _siblings(layout: ContactLayout, tab: Tab, group: Group | None) -> tuple[list[Any], list[str]]:
    if group is not None:
        return group.fields, list(group.fields)
    return tab.members, [member_id for _, member_id in tab.members]


def _place_field(layout: ContactLayout, field_id: str, tab: Tab, group: Group | None, after: str | None) -> None:
    items, ids = _siblings(layout, tab, group)
    insert_after(items, field_id if group is not None else ("field", field_id), after, ids, "field or group")


def _detach_field(layout: ContactLayout, field_id: str) -> None:
    tab, group = layout.location(field_id)
    if group is not None:
        group.fields.remove(field_id)
    else:
        tab.members.remove(("field", field_id))


# --- fields -----------------------------------------------------------------------------------


@router.route("GET", "/api/v1/contacts/fields")
def list_fields(request: SandboxRequest) -> Any:
    return layout_of(request.st).render()


def _field_type(body: Mapping[str, Any]) -> tuple[str, list[dict[str, str]], str, str | None]:
    field_type = body.get("field_type")
    kind = field_type.get("field_kind") if isinstance(field_type, Mapping) else None
    if kind not in CUSTOM_KINDS:
        raise ApiError.validation(
            f"field_type.field_kind must be one of {', '.join(CUSTOM_KINDS)}", {"/field_type": {"message": "invalid"}}
        )
    assert isinstance(field_type, Mapping)
    choices: list[dict[str, str]] = []
    ordering = "ordinal"
    if kind == "choice":
        values = field_type.get("values")
        options = values.get("values") if isinstance(values, Mapping) else None
        if not isinstance(options, list) or not options:
            raise ApiError.validation("a choice field needs values", {"/field_type/values": {"message": "required"}})
        for option in options:
            if not (isinstance(option, Mapping) and option.get("id") and option.get("value")):
                raise ApiError.validation("each choice needs id and value", {"/field_type/values": {"message": "bad"}})
            choices.append({"id": str(option["id"]), "value": str(option["value"])})
        if len({c["id"] for c in choices}) != len(choices):
            raise ApiError.validation("choice ids must be unique", {"/field_type/values": {"message": "duplicate"}})
        assert isinstance(values, Mapping)
        ordering = str(values.get("ordering_type") or "ordinal")
        if ordering == "alphabetic":
            choices.sort(key=lambda c: c["value"].lower())
    rule = field_type.get("validation_rule")
    rule_type = rule.get("type") if isinstance(rule, Mapping) else None
    if rule_type is not None and (kind != "string" or rule_type not in ("email", "url")):
        raise ApiError.validation("validation_rule applies to string fields: email or url", {"/field_type": {}})
    return str(kind), choices, ordering, rule_type


def _presentation(kind: str, raw: Any) -> dict[str, Any]:
    presentation = dict(raw) if isinstance(raw, Mapping) else {}
    if kind == "number":
        number_type = presentation.get("number_type")
        if number_type not in NUMBER_TYPES:
            raise ApiError.validation(
                "number fields need presentation.number_type", {"/presentation": {"message": "number_type required"}}
            )
        digits = presentation.get("fraction_digits")
        if number_type in ("decimal", "percentage") and not (isinstance(digits, int) and digits >= 1):
            raise ApiError.validation(
                f"{number_type} needs fraction_digits >= 1", {"/presentation": {"message": "fraction_digits"}}
            )
        keep = {"number_type", "fraction_digits", "currency"}
        return {k: v for k, v in presentation.items() if k in keep}
    if kind == "datetime":
        if "date_format" not in presentation or "ignore_specific_time" not in presentation:
            raise ApiError.validation(
                "datetime fields need presentation {date_format, ignore_specific_time}",
                {"/presentation": {"message": "required"}},
            )
        if presentation["date_format"] is not None and presentation["ignore_specific_time"] is not None:
            raise ApiError.validation(
                "ignore_specific_time must be null when date_format is set", {"/presentation": {"message": "bad"}}
            )
        return {k: presentation[k] for k in ("date_format", "ignore_specific_time")}
    if presentation:
        raise ApiError.validation(f"{kind} fields take no presentation", {"/presentation": {"message": "not allowed"}})
    return {}


def _unique_name(layout: ContactLayout, name: str, except_id: str | None = None) -> None:
    existing = layout.find(name)
    if existing is not None and existing.field_id != except_id:
        raise ApiError.validation(f"Field with name '{name}' already exists", {"/name": {"message": "not unique"}})


@router.route("POST", "/api/v1/contacts/fields")
def create_field(request: SandboxRequest) -> Any:
    body = _body(request)
    _require(body, "name", "tab_id", "group_id", "field_type", "presentation", "insert_after")
    layout = layout_of(request.st)
    name = _name(body, "name")
    _unique_name(layout, name)
    tab = layout.tab(str(body["tab_id"]))
    group = None
    if body["group_id"] is not None:
        group = layout.group(str(body["group_id"]))
        if layout.tab_of_group(group.group_id) is not tab:
            raise ApiError.validation("the group is not in that tab", {"/group_id": {"message": "wrong tab"}})
    kind, choices, ordering, rule = _field_type(body)
    definition = FieldDef(
        name=name,
        kind=kind,
        multiples=bool(body.get("multiples", False)),
        record_types=tuple(tab.contact_types),
        standard=False,
        fixed_id=request.st.new_id(),
        choices=choices,
        ordering_type=ordering,
        validation_rule=rule,
        presentation=_presentation(kind, body["presentation"]),
    )
    _place_field(layout, definition.field_id, tab, group, body["insert_after"])
    layout.fields[definition.field_id] = definition
    return layout.render_tab(tab)


@router.route("PUT", "/api/v1/contacts/fields/{field_id}")
def update_field(request: SandboxRequest) -> Any:
    layout = layout_of(request.st)
    definition = layout.field(request.path_params["field_id"])
    _custom(definition)
    body = _body(request)
    if "name" in body:
        name = _name(body, "name")
        _unique_name(layout, name, definition.field_id)
        old = definition.name
        for record in request.st.table("contacts").values():  # values follow the renamed field
            if old in record["fields"]:
                record["fields"][name] = record["fields"].pop(old)
        definition.name = name
    if "presentation" in body:
        definition.presentation = _presentation(definition.kind, body["presentation"])
    if any(k in body for k in ("tab_id", "group_id", "insert_after")):
        tab, group = layout.location(definition.field_id)
        if "tab_id" in body:
            tab, group = layout.tab(str(body["tab_id"])), None
        if "group_id" in body:
            group = layout.group(str(body["group_id"])) if body["group_id"] is not None else None
            if group is not None:
                tab = layout.tab_of_group(group.group_id)
        _detach_field(layout, definition.field_id)
        _place_field(layout, definition.field_id, tab, group, body.get("insert_after"))
        definition.record_types = tuple(tab.contact_types)
    return layout.render_tab(layout.location(definition.field_id)[0])


@router.route("DELETE", "/api/v1/contacts/fields/{field_id}")
def delete_field(request: SandboxRequest) -> Any:
    layout = layout_of(request.st)
    definition = layout.field(request.path_params["field_id"])
    preflight = _preflight(request)
    _custom(definition, "deleted")
    if preflight:
        _refuse_if_used(request, [definition])
    _drop_values(request, [definition])
    _detach_field(layout, definition.field_id)
    del layout.fields[definition.field_id]
    return None


# --- choices ----------------------------------------------------------------------------------


def _choice_field(request: SandboxRequest) -> FieldDef:
    definition = layout_of(request.st).field(request.path_params["field_id"])
    if definition.kind != "choice":
        raise ApiError.validation(f"'{definition.name}' is not a choice field", {"field_id": {"message": "not choice"}})
    return definition


def _choice_index(definition: FieldDef, choice_id: str) -> int:
    for index, choice in enumerate(definition.choices):
        if choice["id"] == choice_id:
            return index
    raise ApiError.not_found("contact field choice", choice_id)


@router.route("POST", "/api/v1/contacts/fields/{field_id}/choices")
def create_choice(request: SandboxRequest) -> Any:
    definition = _choice_field(request)
    body = _body(request)
    _require(body, "id", "value", "insert_after")
    choice_id, value = str(body["id"]), body["value"]
    if not choice_id or not isinstance(value, str) or not value.strip():
        raise ApiError.validation("id and value must be non-empty", {"/value": {"message": "empty"}})
    if choice_id in definition.choice_ids():
        raise ApiError.validation(f"Choice id '{choice_id}' already exists", {"/id": {"message": "not unique"}})
    ids = [c["id"] for c in definition.choices]
    insert_after(definition.choices, {"id": choice_id, "value": value.strip()}, body["insert_after"], ids, "choice")
    layout = layout_of(request.st)
    return layout.render_tab(layout.location(definition.field_id)[0])


@router.route("PUT", "/api/v1/contacts/fields/{field_id}/choices/{id}")
def update_choice(request: SandboxRequest) -> Any:
    definition = _choice_field(request)
    index = _choice_index(definition, request.path_params["id"])
    body = _body(request)
    _require(body, "id")
    if str(body["id"]) != definition.choices[index]["id"]:
        raise ApiError.validation("the id in the body must match the path", {"/id": {"message": "mismatch"}})
    choice = definition.choices[index]
    if "value" in body:
        if not isinstance(body["value"], str) or not body["value"].strip():
            raise ApiError.validation("value must be a non-empty string", {"/value": {"message": "empty"}})
        choice["value"] = body["value"].strip()
    if "insert_after" in body:
        definition.choices.pop(index)
        ids = [c["id"] for c in definition.choices]
        insert_after(definition.choices, choice, body["insert_after"], ids, "choice")
    return layout_of(request.st).render()


@router.route("DELETE", "/api/v1/contacts/fields/{field_id}/choices/{id}")
def delete_choice(request: SandboxRequest) -> Any:
    definition = _choice_field(request)
    index = _choice_index(definition, request.path_params["id"])
    choice_id = definition.choices[index]["id"]
    if _preflight(request):
        _refuse_if_used(request, [definition], choice_id)
    _drop_values(request, [definition], choice_id)
    definition.choices.pop(index)
    return layout_of(request.st).render()


# --- groups -----------------------------------------------------------------------------------


def _group_fields(layout: ContactLayout, group: Group) -> list[FieldDef]:
    return [layout.fields[f] for f in group.fields]


@router.route("POST", "/api/v1/contacts/fields/groups")
def create_group(request: SandboxRequest) -> Any:
    body = _body(request)
    _require(body, "name", "tab_id", "logo_id", "insert_after")
    layout = layout_of(request.st)
    tab = layout.tab(str(body["tab_id"]))
    group = Group(request.st.new_id(), _name(body, "name"), str(body["logo_id"] or "1"))
    insert_after(tab.members, ("group", group.group_id), body["insert_after"], [m for _, m in tab.members], "sibling")
    layout.groups[group.group_id] = group
    return layout.render_tab(tab)


@router.route("PUT", "/api/v1/contacts/fields/groups/{group_id}")
def update_group(request: SandboxRequest) -> Any:
    layout = layout_of(request.st)
    group = layout.group(request.path_params["group_id"])
    if group.is_standard:
        raise ApiError.validation("Standard groups can't be changed", {"group_id": {"message": "standard group"}})
    body = _body(request)
    if "name" in body:
        group.name = _name(body, "name")
    if "logo_id" in body:
        group.logo_id = str(body["logo_id"])
    tab = layout.tab_of_group(group.group_id)
    if "tab_id" in body or "insert_after" in body:
        target = layout.tab(str(body["tab_id"])) if "tab_id" in body else tab
        tab.members.remove(("group", group.group_id))
        ids = [m for _, m in target.members]
        insert_after(target.members, ("group", group.group_id), body.get("insert_after"), ids, "sibling")
        for field_id in group.fields:
            layout.fields[field_id].record_types = tuple(target.contact_types)
        tab = target
    return layout.render_tab(tab)


@router.route("DELETE", "/api/v1/contacts/fields/groups/{group_id}")
def delete_group(request: SandboxRequest) -> Any:
    layout = layout_of(request.st)
    group = layout.group(request.path_params["group_id"])
    preflight = _preflight(request)
    if group.is_standard:
        raise ApiError.validation("Standard groups can't be deleted", {"group_id": {"message": "standard group"}})
    fields = _group_fields(layout, group)
    if preflight:
        _refuse_if_used(request, fields)
    _drop_values(request, fields)
    layout.tab_of_group(group.group_id).members.remove(("group", group.group_id))
    for definition in fields:
        del layout.fields[definition.field_id]
    del layout.groups[group.group_id]
    return None


# --- tabs -------------------------------------------------------------------------------------


def _contact_types(raw: Any) -> list[str]:
    types = [raw] if isinstance(raw, str) else raw
    if not isinstance(types, list) or not types or not set(types) <= {"person", "company"}:
        raise ApiError.validation("contact_types: person and/or company", {"/contact_types": {"message": "invalid"}})
    return list(dict.fromkeys(types))


@router.route("POST", "/api/v1/contacts/fields/tabs")
def create_tab(request: SandboxRequest) -> Any:
    body = _body(request)
    _require(body, "tab_name", "contact_types", "insert_after")
    layout = layout_of(request.st)
    tab = Tab(request.st.new_id(), _name(body, "tab_name"), _contact_types(body["contact_types"]))
    insert_after(layout.tabs, tab, body["insert_after"], [t.tab_id for t in layout.tabs], "tab")
    return layout.render_tab(tab)


@router.route("PUT", "/api/v1/contacts/fields/tabs/{tab_id}")
def update_tab(request: SandboxRequest) -> Any:
    layout = layout_of(request.st)
    tab = layout.tab(request.path_params["tab_id"])
    if tab.is_standard:
        raise ApiError.validation("Standard tabs can't be changed", {"tab_id": {"message": "standard tab"}})
    body = _body(request)
    if "tab_name" in body:
        tab.tab_name = _name(body, "tab_name")
    if "contact_types" in body:
        tab.contact_types = _contact_types(body["contact_types"])
        for field_id in layout.fields_of_tab(tab):
            layout.fields[field_id].record_types = tuple(tab.contact_types)
    if "insert_after" in body:
        layout.tabs.remove(tab)
        insert_after(layout.tabs, tab, body["insert_after"], [t.tab_id for t in layout.tabs], "tab")
    return layout.render_tab(tab)


@router.route("DELETE", "/api/v1/contacts/fields/tabs/{tab_id}")
def delete_tab(request: SandboxRequest) -> Any:
    layout = layout_of(request.st)
    tab = layout.tab(request.path_params["tab_id"])
    preflight = _preflight(request)
    if tab.is_standard:
        raise ApiError.validation("Standard tabs can't be deleted", {"tab_id": {"message": "standard tab"}})
    fields = [layout.fields[f] for f in layout.fields_of_tab(tab)]
    if preflight:
        _refuse_if_used(request, fields)
    _drop_values(request, fields)
    for kind, member_id in tab.members:
        if kind == "group":
            del layout.groups[member_id]
    for definition in fields:
        del layout.fields[definition.field_id]
    layout.tabs.remove(tab)
    return None
