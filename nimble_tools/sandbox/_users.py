"""How sandbox users appear inside other records (owners, creators, assignees) and what they may do."""

from __future__ import annotations

from typing import Any

from ._http import ApiError
from ._state import SandboxState

__all__ = [
    "ALL_PERMISSIONS",
    "full_user",
    "has_permission",
    "require_permission",
    "short_user",
]

Record = dict[str, Any]

# Permission names as Nimble's ``Settings.UserPermissions`` example spells them.
MANAGE_PIPELINES = "manage deals pipelines"
PRIVATE_DEALS_VIEW = "private deals view"
PRIVATE_DEALS_EDIT = "private deals edit"
ALL_PERMISSIONS = ("api use", MANAGE_PIPELINES, "mass delete", "mass export", PRIVATE_DEALS_EDIT, PRIVATE_DEALS_VIEW)


def short_user(state: SandboxState, user_id: str | None) -> Record | None:
    """``Accounts.ShortUserInfo`` of a user, or None for an unknown id."""
    user = state.users.get(user_id or "")
    if user is None:
        return None
    return {
        "user_id": user["user_id"],
        "name": user["name"],
        "email": user["email"],
        "avatar_url": user.get("avatar_url") or "",
        "is_active": True,
    }


def full_user(state: SandboxState, user_id: str) -> Record | None:
    """``Accounts.User`` of a user (the long form activities carry), or None for an unknown id."""
    user = state.users.get(user_id)
    if user is None:
        return None
    first, _, last = str(user["name"]).partition(" ")
    return {
        "user_id": user["user_id"],
        "company_id": user["company_id"],
        "company_name": "Sandbox Inc.",
        "email": user["email"],
        "name": user["name"],
        "first_name": first,
        "last_name": last,
        "timezone": "UTC",
        "disabled": False,
        "avatar_url": None,
        "created": "2024-01-02T09:00:00Z",
        "account_type": "nimble",
        "is_company_owner": user["user_id"] == state.me_id,
        "receive_newsletter": False,
        "permissions": {name: 1 for name in permissions_of(user)},
        "last_active": state.timestamp(),
        "is_pending": False,
        "under_gdpr": False,
        "has_password": True,
        "metadata": {
            "title": None,
            "company_name": "Sandbox Inc.",
            "industry": None,
            "phone": None,
            "street": None,
            "city": None,
            "state": None,
            "zip": None,
            "country": None,
            "employees_count": None,
            "help_tour_data": {},
        },
    }


def permissions_of(user: Record) -> tuple[str, ...]:
    """The user's permissions; users seeded without a list are admins, like the account owner."""
    granted = user.get("permissions")
    return ALL_PERMISSIONS if granted is None else tuple(granted)


def has_permission(user: Record | None, permission: str) -> bool:
    """True when ``user`` holds ``permission``."""
    return user is not None and permission in permissions_of(user)


def require_permission(user: Record | None, permission: str, message: str) -> None:
    """Answer 403 ``{message}`` like Nimble when ``user`` lacks ``permission``."""
    if not has_permission(user, permission):
        raise ApiError.forbidden(message)
