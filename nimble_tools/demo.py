"""The guided tour that ``make demo`` runs against the embedded sandbox."""

from __future__ import annotations

from collections.abc import Callable

from . import InvalidArgumentsError, NimbleToolkit

__all__ = ["run_demo"]


def run_demo(echo: Callable[[str], object] = print) -> None:
    """List, create and search contacts in a fresh sandbox, printing each step."""
    toolkit = NimbleToolkit.sandbox()
    me = toolkit.call("list_all_nimble_me").result
    echo(f"== Signed in to the sandbox as {me['name']} <{me['email']}>")
    echo(f"   {len(toolkit.operations)} operations are registered.\n")

    echo("== The three newest contacts")
    page = toolkit.call("list_all_nimble_contacts", {"limit": 3})
    for contact in page.result:
        echo(f"   - {_name(contact)} ({contact['record_type']})")
    echo(f"   next_cursor: {page.next_cursor[:24]}...\n" if page.next_cursor else "")

    echo("== Create a contact")
    created = toolkit.call(
        "create_a_nimble_contact",
        {
            "record_type": "person",
            "fields": {
                "first name": [{"value": "Rosalind"}],
                "last name": [{"value": "Franklin"}],
                "email": [{"value": "rosalind@helix.example", "modifier": "work"}],
            },
            "tags": "demo,scientist",
        },
    ).result
    echo(f"   created {_name(created)} with id {created['id']}\n")

    echo("== Search: people tagged 'demo' whose name contains 'rosalind'")
    query = {"and": [{"tag": {"is": "demo"}}, {"names": {"contain": "rosalind"}}]}
    found = toolkit.call("list_all_nimble_contacts_search", {"query": query}).result
    echo(f"   found {len(found)}: {', '.join(_name(c) for c in found)}\n")

    echo("== A bad call is refused before anything is sent")
    try:
        toolkit.call("get_single_nimble_contact_by_id", {"id": "../../myself"})
    except InvalidArgumentsError as error:
        echo(f"   {error.for_model()}")


def _name(contact: dict[str, object]) -> str:
    fields = contact.get("fields", {})
    assert isinstance(fields, dict)

    def first(name: str) -> str:
        values = fields.get(name) or []
        return str(values[0]["value"]) if values else ""

    return first("company name") or f"{first('first name')} {first('last name')}".strip()
