"""Deal files: attach, rename, delete, download link (``/api/v2/deals/{deal_id}/files``).

Nimble stores two kinds of deal file (``Deals.StoreFileRequest``): a file uploaded to Nimble's
storage, registered by the ``data_id`` the upload returned, and a link to a file in Dropbox,
OneDrive or Google Drive. The upload itself goes through Nimble's Azure upload step, which the API
reference does not document, so no tool performs it; the embedded sandbox offers
``nimble_tools.sandbox.upload_file`` for the same purpose. The request is JSON, as the spec says;
there is no multipart form in this API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._operation import Operation, RequestSpec, default_encode
from ._examples import ID, ID2

if TYPE_CHECKING:
    from .params.deal_files import CreateFileParams

RESOURCE = "deal_files"
MODELS = "nimble_tools.catalog.params.deal_files"


def _encode_create(operation: Operation, params: CreateFileParams) -> RequestSpec:
    spec = default_encode(operation, params)
    body: dict[str, Any]
    if params.source == "uploaded_azure":
        body = {"metadata": {"source": "uploaded_azure", "data_id": params.data_id}}
    else:
        metadata = {"source": params.source, "file_url": str(params.file_url)}
        if params.icon_url is not None:
            metadata["icon_url"] = str(params.icon_url)
        body = {"metadata": metadata, "file_name": params.file_name}
        if params.file_size is not None:
            body["file_size"] = params.file_size
    return RequestSpec(spec.method, spec.path, {}, body)


OPERATIONS = (
    Operation(
        name="create_a_nimble_deal_file",
        title="Attach a file to a deal",
        description=(
            "Attach an uploaded file, or a link to a file in Dropbox, OneDrive or Google Drive, to a deal. Answers "
            "without a body: the new file_id is in the deal's files (get_single_nimble_deal_by_id)."
        ),
        params=f"{MODELS}:CreateFileParams",
        method="POST",
        path="/api/v2/deals/{id}/files",
        encode=_encode_create,
        example={"id": ID, "source": "uploaded_azure", "data_id": "blob-123"},
    ),
    Operation(
        name="update_a_nimble_deal_file_by_id",
        title="Rename a deal file",
        description="Rename a file attached to a deal; only uploaded files can be renamed, not links.",
        params=f"{MODELS}:RenameFileParams",
        method="PUT",
        path="/api/v2/deals/{deal_id}/files/{id}",
        example={"deal_id": ID, "id": ID2, "new_file_name": "b.pdf"},
    ),
    Operation(
        name="delete_a_nimble_deal_file_by_id",
        title="Remove a file from a deal",
        description="Permanently remove a file from a deal (an uploaded file's content too).",
        params=f"{MODELS}:FileIdParams",
        method="DELETE",
        path="/api/v2/deals/{deal_id}/files/{id}",
        example={"deal_id": ID, "id": ID2},
    ),
    Operation(
        name="nimble_deal_file_download",
        title="Get a deal file's download link",
        description=(
            "Get a download URL for a deal file (a link's own URL). It grants access: share it only with people "
            "allowed to see the deal."
        ),
        params=f"{MODELS}:FileIdParams",
        method="GET",
        path="/api/v2/deals/{deal_id}/files/{id}/url",
        example={"deal_id": ID, "id": ID2},
    ),
)
