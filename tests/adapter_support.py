"""Helpers shared by the adapter tests (imported by them; not a test module)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nimble_tools import NimbleToolkit
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
    fields = contact["fields"]
    assert isinstance(fields, dict)
    return " ".join(v[0]["value"] for k in ("first name", "last name") if (v := fields.get(k)))
