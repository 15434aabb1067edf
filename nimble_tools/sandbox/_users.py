"""Views of the account's users, in the shapes Nimble embeds them, and what each user may do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._http import ApiError
from ._state import SandboxState

__all__ = [
    "ALL_PERMISSIONS",
    "MANAGE_PIPELINES",
    "PRIVATE_DEALS_EDIT",
    "PRIVATE_DEALS_VIEW",
    "full_user",
    "has_permission",
    "permissions_of",
    "require_permission",
    "short_user",
    "short_user_of",
]

# Permission names as Nimble's ``Settings.UserPermissions`` example spells them.
MANAGE_PIPELINES = "manage deals pipelines"
PRIVATE_DEALS_VIEW = "private deals view"
PRIVATE_DEALS_EDIT = "private deals edit"
ALL_PERMISSIONS = ("api use", MANAGE_PIPELINES, "mass delete", "mass export", PRIVATE_DEALS_EDIT, PRIVATE_DEALS_VIEW)


def short_user(user: Mapping[str, Any]) -> dict[str, Any]:
    """``Accounts.ShortUserInfo``."""
    return {
        "user_id": user["user_id"],
        "name": user["name"],
        "email": user["email"],
        "avatar_url": f"http://sandbox.nimble.invalid/api/users/avatars/{user['user_id']}",
        "is_active": True,
    }


def short_user_of(state: SandboxState, user_id: str | None) -> dict[str, Any] | None:
    """``Accounts.ShortUserInfo`` of the user with ``user_id``, or None for an unknown id."""
    user = state.users.get(user_id or "")
    return short_user(user) if user is not None else None


def full_user(user: Mapping[str, Any], created: str) -> dict[str, Any]:
    """``Accounts.User`` (activities embed the whole user)."""
    first, _, last = str(user["name"]).partition(" ")
    return {
        **short_user(user),
        "company_id": user["company_id"],
        "company_name": "Sandbox Inc.",
        "first_name": first,
        "last_name": last,
        "timezone": "UTC",
        "disabled": False,
        "created": created,
        "account_type": "user",
        "is_company_owner": user.get("is_owner", False),
        "receive_newsletter": False,
        "permissions": {name: 1 for name in permissions_of(user)},
        "last_active": created,
        "is_pending": False,
        "has_password": True,
        "under_gdpr": False,
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
            "employees_count": 10,
            "help_tour_data": {},
        },
    }


def permissions_of(user: Mapping[str, Any]) -> tuple[str, ...]:
    """The user's permissions; a user seeded without a list has them all, like the account owner."""
    granted = user.get("permissions")
    return ALL_PERMISSIONS if granted is None else tuple(granted)


def has_permission(user: Mapping[str, Any] | None, permission: str) -> bool:
    """True when ``user`` holds ``permission``."""
    return user is not None and permission in permissions_of(user)


def require_permission(user: Mapping[str, Any] | None, permission: str, message: str) -> None:
    """Answer 403 ``{message}`` like Nimble when ``user`` lacks ``permission``."""
    if not has_permission(user, permission):
        raise ApiError.forbidden(message)
