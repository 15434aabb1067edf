"""Parameter models of ``nimble_tools.catalog.deal_files``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, StringConstraints, model_validator

from ..._operation import NimbleId, Params
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


class RenameFileParams(Params):
    deal_id: NimbleId = Field(description="Deal id.")
    id: NimbleId = Field(description="File id (file_id, from the deal's files).")
    new_file_name: FileName = Field(description="The new name, e.g. 'Signed contract.pdf'.")


class FileIdParams(Params):
    deal_id: NimbleId = Field(description="Deal id.")
    id: NimbleId = Field(description="File id (file_id, from the deal's files).")
