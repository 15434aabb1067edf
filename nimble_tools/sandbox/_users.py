"""Views of the account's users, in the shapes Nimble embeds them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["full_user", "short_user"]


def short_user(user: Mapping[str, Any]) -> dict[str, Any]:
    """``Accounts.ShortUserInfo``."""
    return {
        "user_id": user["user_id"],
        "name": user["name"],
        "email": user["email"],
        "avatar_url": f"http://sandbox.nimble.invalid/api/users/avatars/{user['user_id']}",
        "is_active": True,
    }


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
        "permissions": {},
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
