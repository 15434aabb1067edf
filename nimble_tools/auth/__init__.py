"""Authentication beyond a single API key: OAuth 2.0, token stores and connected accounts.

One toolkit can serve many Nimble accounts, for example an app whose end users each connect their
own. The application picks the account of each call (``toolkit.call(..., account="alice")``); a
model never does, and no adapter shows it one::

    from nimble_tools import NimbleToolkit
    from nimble_tools.auth import OAuthApp, OAuthProvider, SQLiteTokenStore

    provider = OAuthProvider(OAuthApp.from_env(), SQLiteTokenStore("tokens.sqlite3"))
    request = provider.begin_authorization("alice")      # send Alice to request.url
    provider.complete_authorization(callback_url)        # in the redirect handler
    toolkit = NimbleToolkit(auth=provider)
    toolkit.call("list_all_nimble_me", account="alice")

Stores: :class:`MemoryTokenStore`, :class:`JsonFileTokenStore` (one file, mode 0600),
:class:`SQLiteTokenStore` (the default; several accounts), :class:`RedisTokenStore` (several
processes or hosts; ``pip install 'nimble-tools[redis]'``). The last two take ``cipher=FernetCipher(key)``
to keep every token encrypted at rest. A refused refresh raises
:class:`ReauthorizationRequiredError`, whose ``authorize_url`` the app shows its user.
"""

from ._cipher import FernetCipher, RecordCipher
from ._config import NIMBLE_SCOPES, OAuthApp
from ._endpoint import TokenEndpoint
from ._errors import OAuthError, OAuthStateError, ReauthorizationRequiredError, TokenStoreError
from ._file_store import JsonFileTokenStore
from ._keys import ApiKeyAccounts
from ._provider import DEFAULT_ACCOUNT, OAuthProvider
from ._redis_store import RedisTokenStore
from ._sqlite_store import SQLiteTokenStore, default_token_path
from ._store import MemoryTokenStore, TokenStore
from ._tokens import AuthorizationRequest, Connection, PendingAuthorization, TokenSet

__all__ = [
    "DEFAULT_ACCOUNT",
    "NIMBLE_SCOPES",
    "ApiKeyAccounts",
    "AuthorizationRequest",
    "Connection",
    "FernetCipher",
    "JsonFileTokenStore",
    "MemoryTokenStore",
    "OAuthApp",
    "OAuthError",
    "OAuthProvider",
    "OAuthStateError",
    "PendingAuthorization",
    "ReauthorizationRequiredError",
    "RecordCipher",
    "RedisTokenStore",
    "SQLiteTokenStore",
    "TokenEndpoint",
    "TokenSet",
    "TokenStore",
    "TokenStoreError",
    "default_token_path",
]
