"""OAuth 2.0: ``GET /oauth/authorize`` and ``POST /api/oauth/token`` (public: no bearer token needed).

There is no login page: the authorize endpoint consents at once for the user named by
``login_hint`` (email or user id; the account's owner by default). The sandbox-only argument
``sandbox_consent=deny`` plays a user who clicks "Deny".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from .._http import ApiError, Router, SandboxRequest, SandboxResponse
from .._oauth import (
    OAuthRefusal,
    authenticate_client,
    client_for,
    issue_code,
    parse_scope,
    redeem_code,
    redirect_allowed,
    rotate_refresh_token,
    with_query,
)

router = Router()

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


@router.route("GET", "/oauth/authorize", public=True)
def authorize(request: SandboxRequest) -> Any:
    client = client_for(request.st, request.arg("client_id"))
    redirect_uri = request.arg("redirect_uri") or ""
    if client is None:
        raise ApiError(400, {"error": "invalid_request", "error_description": "Unknown client_id."})
    if not redirect_allowed(client, redirect_uri):
        # RFC 6749 4.1.2.1: never redirect to an unregistered URI, answer the browser instead.
        raise ApiError(400, {"error": "invalid_request", "error_description": "redirect_uri is not registered."})
    state = request.arg("state")
    echo = {"state": state} if state is not None else {}
    try:
        if not request.arg("response_type"):  # missing, as in the OAuth guide's invalid_request redirect
            raise OAuthRefusal("invalid_request", "response_type is required: set it to code.")
        if request.arg("response_type") != "code":
            raise OAuthRefusal("unsupported_response_type", "Only response_type=code is supported.")
        scope = parse_scope(request.arg("scope"))
        if request.arg("sandbox_consent") == "deny":
            raise OAuthRefusal("access_denied", "User denied access")
        user_id = _consenting_user(request)
        code = issue_code(request.st, str(request.arg("client_id")), user_id, redirect_uri, scope)
    except OAuthRefusal as refusal:
        location = with_query(redirect_uri, error=refusal.error, error_description=refusal.description, **echo)
        return SandboxResponse(302, None, {"location": location})
    return SandboxResponse(302, None, {"location": with_query(redirect_uri, code=code, **echo)})


def _consenting_user(request: SandboxRequest) -> str:
    hint = (request.arg("login_hint") or "").strip().lower()
    if not hint:
        return request.st.me_id
    for user_id, user in request.st.users.items():
        if hint in (user_id, str(user.get("email", "")).lower()):
            return user_id
    raise OAuthRefusal("access_denied", "Validation errors")


@router.route("POST", "/api/oauth/token", public=True)
def token(request: SandboxRequest) -> Any:
    content_type = request.headers.get("content-type") or request.headers.get("Content-Type") or ""
    try:
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise OAuthRefusal(
                "invalid_request", "Send the parameters form-encoded (application/x-www-form-urlencoded)."
            )
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        client_id = authenticate_client(request.st, form)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            body = redeem_code(request.st, client_id, form)
        elif grant_type == "refresh_token":
            body = rotate_refresh_token(request.st, client_id, form)
        else:
            raise OAuthRefusal("unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")
    except OAuthRefusal as refusal:
        return SandboxResponse(refusal.status, refusal.body(), dict(NO_STORE))
    return SandboxResponse(200, body, dict(NO_STORE))
