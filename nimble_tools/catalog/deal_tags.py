"""Deal tags: list, bulk add by search, rename and delete by name (``/api/v2/deals/tags``).

The spec prints the rename and delete routes as ``/api/2/deals/tags/{tag_name}``, without the ``v``
every other deal route has. That is a typo: clients that work against Nimble call
``/api/v2/deals/tags/{tag_name}``, so this catalog does too. Tags are addressed by name; the name is
percent-encoded into the path (a ``/`` or ``?`` in it cannot change the route).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._operation import Operation, RequestSpec, default_encode
from .._paging import LimitPaging
from ._examples import ID

if TYPE_CHECKING:
    from .params.deal_tags import AddTagsParams, DeleteTagParams

RESOURCE = "deal_tags"
MODELS = "nimble_tools.catalog.params.deal_tags"


def _encode_add(operation: Operation, params: AddTagsParams) -> RequestSpec:
    query = params.query.nse() if params.query is not None else {"_id": {"in": list(params.deal_ids or [])}}
    body = {"query": query, "tags": list(params.tags), "preflight_checks": params.preflight_checks}
    return RequestSpec(operation.method, operation.path, {}, body)


def _encode_delete(operation: Operation, params: DeleteTagParams) -> RequestSpec:
    # The spec marks this DELETE's JSON body as required; preflight_checks always travels in it.
    spec = default_encode(operation, params)
    return RequestSpec(spec.method, spec.path, spec.params, {"preflight_checks": params.preflight_checks})


OPERATIONS = (
    Operation(
        name="list_all_nimble_deals_tags",
        title="List deal tags",
        description="List the account's deal tags ({name, created}), optionally by prefix.",
        params=f"{MODELS}:ListTagsParams",
        method="GET",
        path="/api/v2/deals/tags",
        paging=LimitPaging(items_key="tags"),
        example={},
    ),
    Operation(
        name="create_a_nimble_deals_tag",
        title="Tag deals",
        description=(
            "Add tags to some deals, or to every deal matching a search; existing tags stay. Runs in the "
            "background: the answer is its progress (push_data), and tags may take a moment to appear."
        ),
        params=f"{MODELS}:AddTagsParams",
        method="POST",
        path="/api/v2/deals/tags",
        idempotent=True,
        encode=_encode_add,
        example={"tags": ["q3"], "deal_ids": [ID]},
    ),
    Operation(
        name="update_a_nimble_deals_tag_by_id",
        title="Rename a deal tag",
        description="Rename a deal tag on every deal that has it; fails if the new name exists.",
        params=f"{MODELS}:RenameTagParams",
        method="PUT",
        path="/api/v2/deals/tags/{id}",
        example={"id": "old tag", "new_tag": "new"},
    ),
    Operation(
        name="delete_a_nimble_deals_tag_by_id",
        title="Delete a deal tag everywhere",
        description="Delete a deal tag from every deal and from the tag list; the deals stay.",
        params=f"{MODELS}:DeleteTagParams",
        method="DELETE",
        path="/api/v2/deals/tags/{id}",
        encode=_encode_delete,
        example={"id": "q3"},
    ),
)
