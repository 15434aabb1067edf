"""The embedded Nimble sandbox: a stateful emulator for offline work, demos and tests.

Use it in-process through :meth:`NimbleToolkit.sandbox`, or as a server
(``nimble-tools sandbox serve --port 8765``) that any Nimble client can be pointed at.

It stands for Nimble, so it knows nothing of the toolkit: of the core it uses only
:mod:`nimble_tools.types.search` (the search query language both sides speak) and
:mod:`nimble_tools.readers` (the two forms Nimble's records come in). ``tests/test_core_import.py``
keeps it that way.
"""

from ._app import DEFAULT_SANDBOX_API_KEY, SANDBOX_BASE_URL, Sandbox
from ._deal_files import upload_file
from ._faults import Fault, FaultInjector, FaultPlan
from ._http import ApiError, Router, SandboxRequest, SandboxResponse
from ._oauth import (
    DEFAULT_OAUTH_CLIENT_ID,
    DEFAULT_OAUTH_CLIENT_SECRET,
    approve,
    register_oauth_client,
    revoke_grants,
)
from ._population import seed_contacts, synthetic_person
from ._state import SandboxState

__all__ = [
    "DEFAULT_OAUTH_CLIENT_ID",
    "DEFAULT_OAUTH_CLIENT_SECRET",
    "DEFAULT_SANDBOX_API_KEY",
    "SANDBOX_BASE_URL",
    "ApiError",
    "Fault",
    "FaultInjector",
    "FaultPlan",
    "Router",
    "Sandbox",
    "SandboxRequest",
    "SandboxResponse",
    "SandboxState",
    "approve",
    "register_oauth_client",
    "revoke_grants",
    "seed_contacts",
    "synthetic_person",
    "upload_file",
]
