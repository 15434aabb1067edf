"""The embedded Nimble sandbox: a stateful emulator for offline work, demos and tests.

Use it in-process through :meth:`NimbleToolkit.sandbox`, or as a server
(``nimble-tools sandbox serve --port 8765``) that any Nimble client can be pointed at.
"""

from ._app import DEFAULT_SANDBOX_API_KEY, SANDBOX_BASE_URL, Sandbox
from ._deal_files import upload_file
from ._http import ApiError, Router, SandboxRequest, SandboxResponse
from ._state import SandboxState

__all__ = [
    "DEFAULT_SANDBOX_API_KEY",
    "SANDBOX_BASE_URL",
    "ApiError",
    "Router",
    "Sandbox",
    "SandboxRequest",
    "SandboxResponse",
    "SandboxState",
    "upload_file",
]
