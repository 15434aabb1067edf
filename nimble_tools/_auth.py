"""Credentials: how a request gets its ``Authorization`` header.

The client asks an :class:`AuthProvider` for headers before each attempt, and gives it one chance
to refresh after Nimble answers 403 "Can't authenticate request". The ``account`` argument lets one
provider serve several connected Nimble accounts; it is chosen by the application, never by a model.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ._errors import ConfigurationError

__all__ = ["ApiKeyAuth", "AuthProvider", "Secret"]


class Secret:
    """A string that never shows itself in a repr, a log line or an f-string."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@runtime_checkable
class AuthProvider(Protocol):
    """Supplies request headers for an account, and may refresh them after a refusal."""

    def headers(self, account: str | None) -> dict[str, str]:
        """Headers to add to a request made for ``account``."""
        ...

    async def aheaders(self, account: str | None) -> dict[str, str]:
        """Async twin of :meth:`headers`."""
        ...

    def refresh(self, account: str | None) -> bool:
        """Called once after a 403 "Can't authenticate request"; True means "retry now"."""
        ...

    async def arefresh(self, account: str | None) -> bool:
        """Async twin of :meth:`refresh`."""
        ...


class ApiKeyAuth:
    """A Nimble account API key, sent as ``Authorization: Bearer <key>``."""

    single_account = True
    """One key is one Nimble account: a call cannot choose another (see ``ApiKeyAccounts``)."""

    def __init__(self, api_key: str | Secret) -> None:
        key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        if not key or not key.reveal().strip():
            raise ConfigurationError("The Nimble API key is empty.")
        self._key = key

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key='**********')"

    def headers(self, account: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key.reveal()}"}

    def signing_material(self) -> bytes:
        """Secret bytes the toolkit derives its cursor seal from (never sent, never shown)."""
        return self._key.reveal().encode()

    async def aheaders(self, account: str | None) -> dict[str, str]:
        return self.headers(account)

    def refresh(self, account: str | None) -> bool:
        return False  # a static key cannot be refreshed

    async def arefresh(self, account: str | None) -> bool:
        return False
