"""``ApiKeyAccounts``: one Nimble API key per connected account."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .._auth import Secret
from .._errors import ConfigurationError

__all__ = ["ApiKeyAccounts"]

KeyLookup = Mapping[str, "str | Secret"] | Callable[[str], "str | Secret | None"]


class ApiKeyAccounts:
    """API keys by account, for apps whose customers each give their own Nimble API key.

    Args:
        keys: a mapping of account name to API key, or a function that looks a key up (in a
            database, a secret manager...) and returns None for an unknown account.
        default: the account used when a call names none; without it such a call is refused.
    """

    def __init__(self, keys: KeyLookup, *, default: str | None = None) -> None:
        self._keys = keys
        self._default = default

    def __repr__(self) -> str:
        known = f"{len(self._keys)} accounts" if isinstance(self._keys, Mapping) else "lookup"
        return f"ApiKeyAccounts({known}, default={self._default!r})"

    def _key(self, account: str | None) -> Secret:
        name = account if account is not None else self._default
        if name is None:
            raise ConfigurationError(
                "No Nimble account was chosen for this call: pass account=... to toolkit.call "
                "(or give ApiKeyAccounts a default)."
            )
        found = self._keys.get(name) if isinstance(self._keys, Mapping) else self._keys(name)
        key = found if isinstance(found, Secret) else Secret(found) if found else None
        if key is None or not key.reveal().strip():
            raise ConfigurationError(f"No Nimble API key is configured for account {name!r}.")
        return key

    def headers(self, account: str | None) -> dict[str, str]:
        """``Authorization: Bearer <the account's key>``."""
        return {"Authorization": f"Bearer {self._key(account).reveal()}"}

    async def aheaders(self, account: str | None) -> dict[str, str]:
        """Async twin of :meth:`headers`."""
        return self.headers(account)

    def refresh(self, account: str | None) -> bool:
        """An API key cannot be refreshed: a 403 is final."""
        return False

    async def arefresh(self, account: str | None) -> bool:
        """Async twin of :meth:`refresh`."""
        return False
