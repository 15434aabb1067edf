"""Deal files: attach, rename, delete, download link (``/api/v2/deals/{deal_id}/files``).

Nimble stores two kinds of deal file (``Deals.StoreFileRequest``): a file uploaded to Nimble's
storage, registered by the ``data_id`` the upload returned, and a link to a file in Dropbox,
OneDrive or Google Drive. The upload itself goes through Nimble's Azure upload step, which the API
reference does not document, so no tool performs it; the embedded sandbox offers
``nimble_tools.sandbox.upload_file`` for the same purpose. The request is JSON, as the spec says;
there is no multipart form in this API.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, Field, StringConstraints, model_validator

from .._operation import NimbleId, Operation, Params, RequestSpec, default_encode
from ._deal_shared import invalid

FileName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class CreateFileParams(Params):
    id: NimbleId = Field(description="Deal id.")
    source: Literal["uploaded_azure", "dropbox", "one_drive", "google_drive"] = Field(
        description="uploaded_azure: a file uploaded to Nimble (give data_id); else where a linked file lives."
    )
    data_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,200}$")] | None = Field(
        default=None, description="uploaded_azure: the data_id the upload returned."
    )
    file_url: AnyHttpUrl | None = Field(default=None, description="Linked files (required): the URL.")
    file_name: FileName | None = Field(default=None, description="Linked files (required): name, e.g. 'Quote.pdf'.")
    file_size: int | None = Field(default=None, ge=0, description="Linked files: size in bytes.")
    icon_url: AnyHttpUrl | None = Field(default=None, description="Linked files: an icon URL.")

    @model_validator(mode="after")
    def _per_source(self) -> CreateFileParams:
        linked = {"file_url": self.file_url, "file_name": self.file_name, "file_size": self.file_size}
        if self.source == "uploaded_azure":
            if self.data_id is None:
                raise invalid("data_id", "required when source is 'uploaded_azure'")
            given = [k for k, v in {**linked, "icon_url": self.icon_url}.items() if v is not None]
            if given:
                raise invalid(given[0], "only for linked files; an uploaded file keeps its own name and size")
        else:
            if self.data_id is not None:
                raise invalid("data_id", f"only for source 'uploaded_azure', not {self.source!r}")
            for key in ("file_url", "file_name"):
                if linked[key] is None:
                    raise invalid(key, f"required for a linked file (source {self.source!r})")
        return self


def _encode_create(operation: Operation, params: BaseModel) -> RequestSpec:
    assert isinstance(params, CreateFileParams)
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


class RenameFileParams(Params):
    deal_id: NimbleId = Field(description="Deal id.")
    id: NimbleId = Field(description="File id (file_id, from the deal's files).")
    new_file_name: FileName = Field(description="The new name, e.g. 'Signed contract.pdf'.")


class FileIdParams(Params):
    deal_id: NimbleId = Field(description="Deal id.")
    id: NimbleId = Field(description="File id (file_id, from the deal's files).")


OPERATIONS = (
    Operation(
        name="create_a_nimble_deal_file",
        description=(
            "Attach an uploaded file, or a link to a file in Dropbox, OneDrive or Google Drive, to a deal. Answers "
            "without a body: the new file_id is in the deal's files (get_single_nimble_deal_by_id)."
        ),
        params=CreateFileParams,
        resource="deal_files",
        method="POST",
        path="/api/v2/deals/{id}/files",
        encode=_encode_create,
    ),
    Operation(
        name="update_a_nimble_deal_file_by_id",
        description="Rename a file attached to a deal; only uploaded files can be renamed, not links.",
        params=RenameFileParams,
        resource="deal_files",
        method="PUT",
        path="/api/v2/deals/{deal_id}/files/{id}",
        idempotent=True,
    ),
    Operation(
        name="delete_a_nimble_deal_file_by_id",
        description="Permanently remove a file from a deal (an uploaded file's content too).",
        params=FileIdParams,
        resource="deal_files",
        method="DELETE",
        path="/api/v2/deals/{deal_id}/files/{id}",
        destructive=True,
        idempotent=True,
    ),
    Operation(
        name="nimble_deal_file_download",
        description=(
            "Get a download URL for a deal file (a link's own URL). It grants access: share it only with people "
            "allowed to see the deal."
        ),
        params=FileIdParams,
        resource="deal_files",
        method="GET",
        path="/api/v2/deals/{deal_id}/files/{id}/url",
        read_only=True,
        idempotent=True,
    ),
)
