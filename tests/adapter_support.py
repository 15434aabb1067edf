"""Helpers shared by the adapter tests (imported by them; not a test module)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from nimble_tools import NimbleToolkit, Operation, Params, hookimpl
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox


@dataclass
class RecordingAuth:
    """Authenticates as the sandbox user and records the account each request was made for."""

    api_key: str
    accounts: list[str | None] = field(default_factory=list)

    def headers(self, account: str | None) -> dict[str, str]:
        self.accounts.append(account)
        return {"Authorization": f"Bearer {self.api_key}"}

    async def aheaders(self, account: str | None) -> dict[str, str]:
        return self.headers(account)

    def refresh(self, account: str | None) -> bool:
        return False

    async def arefresh(self, account: str | None) -> bool:
        return False


def recording_toolkit() -> tuple[NimbleToolkit, RecordingAuth]:
    """A sandbox toolkit whose auth records the account of every request."""
    box = Sandbox()
    auth = RecordingAuth(box.api_key)
    transport = box.transport()
    toolkit = NimbleToolkit(auth=auth, base_url=SANDBOX_BASE_URL, transport=transport, async_transport=transport)
    toolkit.emulator = box
    return toolkit, auth


def contact_name(contact: dict[str, object]) -> str:
    if "fields" not in contact:  # the compact form lists show a model
        return str(contact["name"])
    fields = contact["fields"]
    assert isinstance(fields, dict)
    return " ".join(v[0]["value"] for k in ("first name", "last name") if (v := fields.get(k)))


class Tag(BaseModel):
    """A weighted label (a nested model inside a map)."""

    name: str
    weight: int = 1


class EchoParams(Params):
    text: str = Field(description="Any text.")
    payload: dict[str, Any] | None = Field(None, description="A free-form JSON object.")
    labels: dict[str, list[Tag]] = Field(default_factory=dict, description="Map of label to its tags.")
    mode: Literal["plain", "loud"] = "plain"
    count: int | None = Field(None, ge=1, le=10, description="How many times.")


class Item(BaseModel):
    """A nested, recursive model with a map and a free-form value inside."""

    name: str
    attrs: dict[str, int] = {}
    extra: dict[str, Any] | None = None
    children: list[Item] = []


class NestedParams(Params):
    items: list[Item] = Field(description="Items, each with attributes and children.")


class EchoPlugin:
    """A test-owned operation with every argument shape the adapters rewrite, independent of the catalog."""

    @hookimpl
    def register_operations(self, register: Callable[[Operation], None]) -> None:
        register(
            Operation(
                name="toy_echo",
                description="Echo the validated arguments back.",
                params=EchoParams,
                resource="toys",
                read_only=True,
                idempotent=True,
                handler=lambda context, params: params.model_dump(mode="json"),
            )
        )
        register(
            Operation(
                name="toy_nested",
                description="Echo nested items back.",
                params=NestedParams,
                resource="toys",
                read_only=True,
                handler=lambda context, params: params.model_dump(mode="json"),
            )
        )


def with_echo(toolkit: NimbleToolkit) -> NimbleToolkit:
    """``toolkit`` with the ``toy_echo`` operation registered."""
    toolkit.register_plugin(EchoPlugin(), name="echo")
    return toolkit


def the_contact(result: Any) -> dict[str, Any]:
    """The record in a get-contact answer (Nimble wraps it as ``{"resources": [record]}``)."""
    if isinstance(result, dict) and isinstance(result.get("resources"), list):
        [record] = result["resources"]
        return dict(record)
    assert isinstance(result, dict)
    return result
