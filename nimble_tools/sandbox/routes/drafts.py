"""Message drafts: list (zero-based pages) and create. Nothing is ever sent."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .._contacts import short_contact
from .._http import ApiError, Router, SandboxRequest
from .._state import SandboxState
from .._users import short_user
from .contacts import split_escaped

router = Router()

ACCOUNT_TYPES = ("email", "mass_mail")


def _account(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ApiError.validation(f"{where} must be an object", {where: {"message": "invalid"}})
    if raw.get("account_type") not in ACCOUNT_TYPES or not isinstance(raw.get("identifier"), str):
        raise ApiError.validation(
            "missing required properties: account_type (email|mass_mail), identifier",
            {where: {"message": "account_type and identifier are required"}},
        )
    return dict(raw)


def _mapped(state: SandboxState, account: Mapping[str, Any]) -> dict[str, Any]:
    """``Messages.MappedMessagingAccount``: the address with the contact or user behind it."""
    email = str(account["identifier"])
    out: dict[str, Any] = {"email": email, "user": None}
    for user in state.users.values():
        if user["email"].lower() == email.lower():
            out["user"] = short_user(user)
    for record in state.table("contacts").values():
        if any(v["value"].lower() == email.lower() for v in record["fields"].get("email", [])):
            out["contact"] = short_contact(record)
            break
    return out


def render_draft(state: SandboxState, draft: Mapping[str, Any]) -> dict[str, Any]:
    """``Messages.DraftMessageWithParticipants``."""
    spec = draft["specification"]
    return {
        "draft_id": draft["draft_id"],
        "specification": spec,
        "updated": draft["updated"],
        "creator": short_user(state.users.get(draft["creator_id"], state.me)),
        "recipients": [_mapped(state, a) for a in spec["recipients"]],
        "cc": [_mapped(state, a) for a in spec["cc"]],
        "bcc": [_mapped(state, a) for a in spec["bcc"]],
        "sender": _mapped(state, spec["sender"]),
    }


@router.route("POST", "/api/v1/messages/drafts")
def create_draft(request: SandboxRequest) -> Any:
    body = request.json if isinstance(request.json, Mapping) else {}
    me = request.user or request.st.me
    spec: dict[str, Any] = {
        "subject": body.get("subject"),
        "body": body.get("body"),
        "attachments": list(body.get("attachments") or []),
        "in_reply_to": body.get("in_reply_to"),
        "tracking_configuration": body.get("tracking_configuration")
        or {"opens_tracking": False, "clicks_tracking": False},
    }
    for key in ("subject", "body"):
        if spec[key] is not None and not isinstance(spec[key], str):
            raise ApiError.validation(f"{key} must be a string", {f"/{key}": {"message": "invalid"}})
    for key in ("recipients", "cc", "bcc"):
        raw = body.get(key) or []
        if not isinstance(raw, list):
            raise ApiError.validation(f"{key} must be a list", {f"/{key}": {"message": "invalid"}})
        spec[key] = [_account(a, f"/{key}/{i}") for i, a in enumerate(raw)]
    sender = body.get("sender")
    spec["sender"] = _account(sender, "/sender") if sender else {"account_type": "email", "identifier": me["email"]}
    draft = {
        "draft_id": request.st.new_id(),
        "specification": spec,
        "updated": request.st.timestamp(),
        "creator_id": me["user_id"],
    }
    request.st.table("drafts")[draft["draft_id"]] = draft
    return render_draft(request.st, draft)


@router.route("GET", "/api/v1/messages/drafts")
def list_drafts(request: SandboxRequest) -> Any:
    drafts = sorted(request.st.table("drafts").values(), key=lambda d: (d["updated"], d["draft_id"]), reverse=True)
    wanted = {r.lower() for r in split_escaped(request.arg("recipients") or "")}
    if wanted:
        drafts = [d for d in drafts if wanted & {a["identifier"].lower() for a in d["specification"]["recipients"]}]
    sender = (request.arg("sender") or "").lower()
    if sender:
        drafts = [d for d in drafts if d["specification"]["sender"]["identifier"].lower() == sender]
    page = request.int_arg("page", 0)  # zero-based here, unlike every other listing
    per_page = request.int_arg("per_page", 20)
    if page < 0 or per_page < 1:
        raise ApiError.validation("page must be >= 0 and per_page >= 1", {"page": {"message": "out of range"}})
    chunk = drafts[page * per_page : (page + 1) * per_page]
    meta = {"total": len(drafts), "pages": math.ceil(len(drafts) / per_page), "page": page, "per_page": per_page}
    return {"drafts": [render_draft(request.st, d) for d in chunk], "meta": meta}
