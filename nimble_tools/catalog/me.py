"""The authenticated user (``/api/v1/myself``)."""

from __future__ import annotations

from .._operation import Operation, Params


class MeParams(Params):
    """No arguments."""


OPERATIONS = (
    Operation(
        name="list_all_nimble_me",
        description=(
            "Get the authenticated Nimble user: user_id, name, email, company_id and company_size. "
            "Use it to learn your own user_id (needed as owner_id when creating deals or assigning "
            "contacts) or to check that the credentials work. Takes no arguments."
        ),
        params=MeParams,
        resource="me",
        method="GET",
        path="/api/v1/myself",
        read_only=True,
        idempotent=True,
    ),
)
