"""Uploaded file blobs: the sandbox's stand-in for Nimble's Azure upload step.

Nimble registers an uploaded deal file by the ``data_id`` its Azure Blob upload returned
(``/api/files/azure/upload``, which the API reference does not document). The sandbox keeps such
uploads in table ``azure_uploads`` and their bytes in ``state.blobs``; :func:`upload_blob` creates
one, :func:`upload_file` does it for a :class:`Sandbox`, and the sandbox route ``POST /api/files/azure/upload`` does the same over
HTTP with a JSON body ``{file_name, content_base64, content_type}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._http import ApiError
from ._state import SandboxState

if TYPE_CHECKING:
    from ._app import Sandbox

__all__ = ["MAX_UPLOAD_BYTES", "UPLOADS", "drop_blob", "upload_blob", "upload_file", "upload_of"]

UPLOADS = "azure_uploads"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def upload_blob(
    state: SandboxState, file_name: str, content: bytes, content_type: str = "application/octet-stream"
) -> str:
    """Store uploaded bytes and return their ``data_id`` (what ``create_a_nimble_deal_file`` takes)."""
    name = file_name.strip()
    if not name or "/" in name or "\\" in name or any(ord(c) < 0x20 for c in name):
        raise ApiError.validation("Invalid file name", {"file_name": {"message": "a plain file name such as a.pdf"}})
    if len(content) > MAX_UPLOAD_BYTES:
        raise ApiError.validation("File too large", {"file": {"message": f"at most {MAX_UPLOAD_BYTES} bytes"}})
    data_id = state.new_id()
    state.table(UPLOADS)[data_id] = {
        "data_id": data_id,
        "file_name": name,
        "content_type": content_type,
        "file_size": len(content),
    }
    state.blobs[data_id] = bytes(content)
    return data_id


def drop_blob(state: SandboxState, data_id: str) -> None:
    """Forget an upload and its bytes."""
    state.table(UPLOADS).pop(data_id, None)
    state.blobs.pop(data_id, None)


def upload_of(state: SandboxState, data_id: Any) -> dict[str, Any]:
    """The upload record of ``data_id`` (409 when there is none)."""
    upload: dict[str, Any] | None = state.table(UPLOADS).get(data_id) if isinstance(data_id, str) else None
    if upload is None:
        raise ApiError.validation(
            "Unknown data_id", {"metadata.data_id": {"message": f"No uploaded file with data_id {data_id!r}"}}
        )
    return upload


def upload_file(
    sandbox: Sandbox, file_name: str, content: bytes, content_type: str = "application/octet-stream"
) -> str:
    """Upload a file to a sandbox's storage and return the ``data_id`` to attach it to a deal with.

    Nimble's own upload step (Azure Blob storage) is not part of its REST API reference; this is its
    sandbox stand-in::

        data_id = upload_file(toolkit.emulator, "quote.pdf", pdf_bytes, "application/pdf")
        toolkit.call("create_a_nimble_deal_file", {"id": deal_id, "source": "uploaded_azure", "data_id": data_id})

    Raises:
        ValueError: the name is not a plain file name, or the content is larger than 10 MB.
    """
    with sandbox.state.lock:
        try:
            return upload_blob(sandbox.state, file_name, content, content_type)
        except ApiError as error:
            raise ValueError(str(error.body.get("errors", error.body))) from None
