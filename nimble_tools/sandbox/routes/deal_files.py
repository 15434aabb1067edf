"""Deal files: attach, rename, delete, download link (``/api/v2/deals/{deal_id}/files``), and the bytes behind it.

Two kinds of file, as in Nimble: uploaded ones (``metadata.source == "uploaded_azure"`` with the
``data_id`` of an upload) and links to Dropbox, OneDrive or Google Drive. Only uploaded files can be
renamed. The download link of an uploaded file points at this sandbox, which serves the bytes there
without credentials, like a pre-signed storage URL; a linked file's download link is its own URL.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any
from urllib.parse import quote

from .._deal_files import drop_blob, upload_blob, upload_of
from .._deals import TABLE as DEALS
from .._deals import blob_in_use, load_deal
from .._http import ApiError, Router, SandboxRequest, SandboxResponse
from .._payload import json_object, user_of

router = Router()

EXTERNAL_SOURCES = ("dropbox", "one_drive", "google_drive")
DOWNLOAD_PREFIX = "/sandbox/files"


def _file(request: SandboxRequest, *, edit: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    deal = load_deal(request.st, request.path_params["deal_id"], user_of(request), edit=edit)
    file_id = request.path_params["file_id"]
    file = next((f for f in deal["files"] if f["file_id"] == file_id), None)
    if file is None:
        raise ApiError.not_found("file", file_id)
    return deal, file


def _name(raw: Any, field: str) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 255 or "/" in raw:
        raise ApiError.validation("Invalid file name", {field: {"message": "a file name of 1 to 255 characters"}})
    return raw.strip()


@router.route("POST", "/api/files/azure/upload")
def upload(request: SandboxRequest) -> Any:
    body = json_object(request)
    try:
        content = base64.b64decode(str(body.get("content_base64", "")), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError.validation("content_base64 is not base64", {"content_base64": {"message": "invalid"}}) from None
    name = _name(body.get("file_name"), "file_name")
    content_type = str(body.get("content_type") or "application/octet-stream")
    data_id = upload_blob(request.st, name, content, content_type)
    return 201, {"data_id": data_id, "file_name": name, "file_size": len(content)}


@router.route("POST", "/api/v2/deals/{deal_id}/files")
def create(request: SandboxRequest) -> Any:
    user = user_of(request)
    deal = load_deal(request.st, request.path_params["deal_id"], user, edit=True)
    body = json_object(request)
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        raise ApiError.validation("metadata is required", {"metadata": {"message": "Pass {source, ...}"}})
    source = metadata.get("source")
    file: dict[str, Any] = {
        "file_id": request.st.new_id(),
        "uploaded_at": request.st.timestamp(),
        "uploader_id": user["user_id"],
        "token": secrets.token_urlsafe(18),
    }
    if source == "uploaded_azure":
        blob = upload_of(request.st, metadata.get("data_id"))
        if any(f.get("blob_id") == blob["data_id"] for f in deal["files"]):
            raise ApiError.not_acceptable("This upload is already attached to the deal", "file_already_attached")
        file.update(
            file_name=blob["file_name"],
            file_size=blob["file_size"],
            metadata={"source": "uploaded_azure", "data_id": blob["data_id"]},
            blob_id=blob["data_id"],
        )
    elif source in EXTERNAL_SOURCES:
        url = metadata.get("file_url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ApiError.validation("file_url is required", {"metadata.file_url": {"message": "an http(s) URL"}})
        size = body.get("file_size", 0)
        if isinstance(size, bool) or not isinstance(size, int | float) or size < 0:
            raise ApiError.validation("Invalid file_size", {"file_size": {"message": "bytes, at least 0"}})
        file.update(
            file_name=_name(body.get("file_name"), "file_name"),
            file_size=size,
            metadata={"source": source, "file_url": url, "icon_url": str(metadata.get("icon_url") or "")},
            blob_id=None,
        )
    else:
        raise ApiError.validation(
            "Unknown file source",
            {"metadata.source": {"message": f"uploaded_azure or one of {', '.join(EXTERNAL_SOURCES)}"}},
        )
    deal["files"].append(file)
    deal["updated"] = request.st.timestamp()
    return 201, None  # Nimble documents 201 "File was successfully added" without a body


@router.route("PUT", "/api/v2/deals/{deal_id}/files/{file_id}")
def rename(request: SandboxRequest) -> Any:
    _, file = _file(request, edit=True)
    name = _name(json_object(request).get("new_file_name"), "new_file_name")
    if file["metadata"]["source"] != "uploaded_azure":
        raise ApiError.not_acceptable(
            "Only uploaded files can be renamed; rename linked files in their own storage", "file_not_renamable"
        )
    file["file_name"] = name
    return None


@router.route("DELETE", "/api/v2/deals/{deal_id}/files/{file_id}")
def delete(request: SandboxRequest) -> Any:
    deal, file = _file(request, edit=True)
    deal["files"].remove(file)
    if file["blob_id"] and not blob_in_use(request.st, file["blob_id"]):
        drop_blob(request.st, file["blob_id"])
    return None


@router.route("GET", "/api/v2/deals/{deal_id}/files/{file_id}/url")
def download_url(request: SandboxRequest) -> Any:
    _, file = _file(request, edit=False)
    if file["blob_id"] is None:
        return {"url": file["metadata"]["file_url"]}
    host = request.headers.get("host") or request.headers.get("Host") or "localhost"
    return {"url": f"http://{host}{DOWNLOAD_PREFIX}/{file['token']}/{quote(file['file_name'], safe='')}"}


@router.route("GET", DOWNLOAD_PREFIX + "/{token}/{file_name}", public=True)
def download(request: SandboxRequest) -> Any:
    token = request.path_params["token"]
    for deal in request.st.table(DEALS).values():
        for file in deal["files"]:
            if file["token"] == token and file["blob_id"] in request.st.blobs:
                upload = request.st.table("azure_uploads").get(file["blob_id"], {})
                return SandboxResponse(
                    200,
                    headers={
                        "content-type": upload.get("content_type", "application/octet-stream"),
                        "content-disposition": f"attachment; filename*=UTF-8''{quote(file['file_name'], safe='')}",
                    },
                    raw=request.st.blobs[file["blob_id"]],
                )
    raise ApiError(404, {"message": "The link is invalid or the file was deleted"})
