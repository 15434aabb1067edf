"""GET /api/v1/myself: the authenticated user."""

from __future__ import annotations

from typing import Any

from .._http import Router, SandboxRequest

router = Router()


@router.route("GET", "/api/v1/myself")
def myself(request: SandboxRequest) -> Any:
    user = request.user or request.st.me
    return {k: user[k] for k in ("user_id", "company_id", "email", "name", "company_size") if k in user}
