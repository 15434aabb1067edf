"""Small helpers the deal and lead routes share: the JSON object body and the calling user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._http import ApiError, SandboxRequest

__all__ = ["json_object", "user_of"]


def json_object(request: SandboxRequest) -> Mapping[str, Any]:
    """The request's JSON body as an object (``{}`` when empty); 409 when it is another JSON value."""
    if request.json is None:
        return {}
    if not isinstance(request.json, Mapping):
        raise ApiError.validation("The request body must be a JSON object", {"/": {"message": "expected an object"}})
    return request.json


def user_of(request: SandboxRequest) -> dict[str, Any]:
    """The authenticated user of the request."""
    return request.user or request.st.me
