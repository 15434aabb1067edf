"""Deal files end to end: the upload round trip, linked files, renaming, download links, deletion."""

from __future__ import annotations

import base64

import httpx
import pytest
from deals_support import me, new_deal, raises_api, refused_before_sending, second_user_toolkit

from nimble_tools import InvalidArgumentsError, NimbleToolkit
from nimble_tools.sandbox import Sandbox, upload_file

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF"
MISSING = "0123456789abcdef01234567"


def emulator(toolkit: NimbleToolkit) -> Sandbox:
    assert toolkit.emulator is not None
    return toolkit.emulator


def files_of(toolkit: NimbleToolkit, deal_id: str) -> list[dict[str, object]]:
    files: list[dict[str, object]] = toolkit.call("get_single_nimble_deal_by_id", {"id": deal_id}).result["files"]
    return files


def fetch(toolkit: NimbleToolkit, url: str) -> httpx.Response:
    """Follow a download link, without credentials, like a browser would."""
    with httpx.Client(transport=emulator(toolkit).transport()) as client:
        return client.get(url)


def test_upload_round_trip(deal_toolkit: NimbleToolkit) -> None:
    deal_id = new_deal(deal_toolkit)["deal_id"]
    data_id = upload_file(emulator(deal_toolkit), "Quote 2025.pdf", PDF, "application/pdf")
    answer = deal_toolkit.call(
        "create_a_nimble_deal_file", {"id": deal_id, "source": "uploaded_azure", "data_id": data_id}
    )
    assert answer.result is None  # Nimble answers 201 without a body
    (stored,) = files_of(deal_toolkit, deal_id)
    assert stored["file_name"] == "Quote 2025.pdf" and stored["file_size"] == len(PDF)
    assert stored["metadata"] == {"source": "uploaded_azure", "data_id": data_id}
    assert stored["uploader"]["user_id"] == me(deal_toolkit)  # type: ignore[index]

    link = deal_toolkit.call("nimble_deal_file_download", {"deal_id": deal_id, "id": stored["file_id"]}).result["url"]
    response = fetch(deal_toolkit, link)
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert "Quote%202025.pdf" in response.headers["content-disposition"]

    deal_toolkit.call(
        "update_a_nimble_deal_file_by_id", {"deal_id": deal_id, "id": stored["file_id"], "new_file_name": "Signed.pdf"}
    )
    assert files_of(deal_toolkit, deal_id)[0]["file_name"] == "Signed.pdf"
    link = deal_toolkit.call("nimble_deal_file_download", {"deal_id": deal_id, "id": stored["file_id"]}).result["url"]
    assert link.endswith("/Signed.pdf") and fetch(deal_toolkit, link).content == PDF

    deal_toolkit.call("delete_a_nimble_deal_file_by_id", {"deal_id": deal_id, "id": stored["file_id"]})
    assert files_of(deal_toolkit, deal_id) == []
    assert fetch(deal_toolkit, link).status_code == 404  # the bytes are gone with the file
    assert data_id not in emulator(deal_toolkit).state.blobs
    raises_api(deal_toolkit, "nimble_deal_file_download", {"deal_id": deal_id, "id": stored["file_id"]}, 404)
    raises_api(deal_toolkit, "delete_a_nimble_deal_file_by_id", {"deal_id": deal_id, "id": stored["file_id"]}, 404)


def test_download_over_http_with_the_upload_route() -> None:
    box = Sandbox(seed=False)
    with box.server() as server:
        toolkit = NimbleToolkit(box.api_key, base_url=server.base_url, autoload_plugins=False)
        uploaded = toolkit.request(
            "POST",
            "/api/files/azure/upload",
            json={"file_name": "notes.txt", "content_base64": base64.b64encode(b"hello").decode()},
        ).result
        pipeline = toolkit.call("list_all_nimble_deals_pipelines").result[0]
        deal = toolkit.call(
            "create_a_nimble_deal",
            {
                "name": "Over HTTP",
                "pipeline_id": pipeline["pipeline_id"],
                "stage_id": pipeline["stages"][0]["stage_id"],
                "owner_id": toolkit.call("list_all_nimble_me").result["user_id"],
            },
        ).result
        toolkit.call(
            "create_a_nimble_deal_file",
            {"id": deal["deal_id"], "source": "uploaded_azure", "data_id": uploaded["data_id"]},
        )
        file_id = toolkit.call("get_single_nimble_deal_by_id", {"id": deal["deal_id"]}).result["files"][0]["file_id"]
        url = toolkit.call("nimble_deal_file_download", {"deal_id": deal["deal_id"], "id": file_id}).result["url"]
        assert url.startswith(server.base_url + "/")
        assert httpx.get(url, timeout=10).content == b"hello"  # a real socket, no credentials
        toolkit.close()


def test_linked_files(deal_toolkit: NimbleToolkit) -> None:
    deal_id = new_deal(deal_toolkit)["deal_id"]
    deal_toolkit.call(
        "create_a_nimble_deal_file",
        {
            "id": deal_id,
            "source": "google_drive",
            "file_url": "https://drive.example/spec.docx",
            "file_name": "Spec.docx",
            "file_size": 2048,
        },
    )
    (stored,) = files_of(deal_toolkit, deal_id)
    assert stored["metadata"]["source"] == "google_drive"  # type: ignore[index]
    url = deal_toolkit.call("nimble_deal_file_download", {"deal_id": deal_id, "id": stored["file_id"]}).result["url"]
    assert url == "https://drive.example/spec.docx"
    error = raises_api(
        deal_toolkit,
        "update_a_nimble_deal_file_by_id",
        {"deal_id": deal_id, "id": stored["file_id"], "new_file_name": "x.docx"},
        406,
    )
    assert error.body["type"] == "file_not_renamable"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"source": "uploaded_azure"}, "data_id"),
        ({"source": "uploaded_azure", "data_id": "x", "file_name": "a.pdf"}, "file_name"),
        ({"source": "dropbox", "file_name": "a.pdf"}, "file_url"),
        ({"source": "dropbox", "file_url": "https://d.example/a"}, "file_name"),
        ({"source": "dropbox", "file_url": "ftp://d.example/a", "file_name": "a"}, "file_url"),
        ({"source": "dropbox", "data_id": "x", "file_url": "https://d.example/a", "file_name": "a"}, "data_id"),
        ({"source": "s3", "file_url": "https://d.example/a", "file_name": "a"}, "source"),
    ],
)
def test_attach_refusals_name_the_field(deal_toolkit: NimbleToolkit, arguments: dict[str, str], field: str) -> None:
    arguments = {"id": MISSING, **arguments}
    error = refused_before_sending(deal_toolkit, lambda: deal_toolkit.call("create_a_nimble_deal_file", arguments))
    assert isinstance(error, InvalidArgumentsError) and error.errors[0][0] == field, error.errors


def test_attach_failures_from_the_sandbox(deal_toolkit: NimbleToolkit) -> None:
    deal_id = new_deal(deal_toolkit)["deal_id"]
    unknown = {"id": deal_id, "source": "uploaded_azure", "data_id": "no-such-upload"}
    error = raises_api(deal_toolkit, "create_a_nimble_deal_file", unknown, 409)
    assert "metadata.data_id" in error.field_errors  # type: ignore[attr-defined]
    data_id = upload_file(emulator(deal_toolkit), "a.txt", b"a")
    raises_api(deal_toolkit, "create_a_nimble_deal_file", {**unknown, "id": MISSING, "data_id": data_id}, 404)
    admin = me(deal_toolkit)
    private = new_deal(deal_toolkit, privacy={"read": None, "edit": {"user_ids": [admin], "group_ids": []}})["deal_id"]
    other = second_user_toolkit(deal_toolkit)
    raises_api(other, "create_a_nimble_deal_file", {**unknown, "id": private, "data_id": data_id}, 403)
    with pytest.raises(ValueError, match="file_name"):
        upload_file(emulator(deal_toolkit), "../etc/passwd", b"x")


def test_rename_refusals(deal_toolkit: NimbleToolkit) -> None:
    refused_before_sending(
        deal_toolkit,
        lambda: deal_toolkit.call(
            "update_a_nimble_deal_file_by_id", {"deal_id": MISSING, "id": MISSING, "new_file_name": "  "}
        ),
    )
    raises_api(
        deal_toolkit, "update_a_nimble_deal_file_by_id", {"deal_id": MISSING, "id": MISSING, "new_file_name": "a"}, 404
    )


def test_deleting_a_deal_deletes_its_file_bytes(deal_toolkit: NimbleToolkit) -> None:
    deal_id = new_deal(deal_toolkit)["deal_id"]
    data_id = upload_file(emulator(deal_toolkit), "a.bin", b"\x00\x01")
    deal_toolkit.call("create_a_nimble_deal_file", {"id": deal_id, "source": "uploaded_azure", "data_id": data_id})
    file_id = files_of(deal_toolkit, deal_id)[0]["file_id"]
    link = deal_toolkit.call("nimble_deal_file_download", {"deal_id": deal_id, "id": file_id}).result["url"]
    deal_toolkit.call("delete_a_nimble_deal_by_id", {"id": deal_id})
    assert data_id not in emulator(deal_toolkit).state.blobs
    assert fetch(deal_toolkit, link).status_code == 404
