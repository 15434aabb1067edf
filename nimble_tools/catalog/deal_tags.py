"""Deal tags: list, bulk add by search, rename and delete by name (``/api/v2/deals/tags``).

The spec prints the rename and delete routes as ``/api/2/deals/tags/{tag_name}``, without the ``v``
every other deal route has. That is a typo: clients that work against Nimble call
``/api/v2/deals/tags/{tag_name}``, so this catalog does too. Tags are addressed by name; the name is
percent-encoded into the path (a ``/`` or ``?`` in it cannot change the route).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from .._envelope import LimitPaging
from .._operation import BODY, CONTROL, NimbleId, Operation, Params, RequestSpec, default_encode
from ..types.deal_search import DealSearchQuery
from ._deal_shared import TagName, invalid


class ListTagsParams(Params):
    starts_with: str | None = Field(
        default=None, min_length=1, max_length=100, description="Only tags with this prefix."
    )
    limit: Annotated[int | None, CONTROL] = Field(default=None, ge=1, le=1000, description="At most this many tags.")


class AddTagsParams(Params):
    tags: list[TagName] = Field(min_length=1, max_length=50, description="Tags to add, e.g. ['q3','hot'].")
    deal_ids: list[NimbleId] | None = Field(
        default=None, min_length=1, max_length=500, description="Tag these deals (or give query)."
    )
    query: DealSearchQuery | None = Field(default=None, description="Or tag every deal matching these conditions.")
    preflight_checks: bool = Field(
        default=False, description="true: tag nothing if you cannot edit some matched deals."
    )

    @model_validator(mode="after")
    def _one_selection(self) -> AddTagsParams:
        if (self.deal_ids is None) == (self.query is None):
            raise invalid("deal_ids", "pass exactly one of deal_ids or query")
        return self


def _encode_add(operation: Operation, params: BaseModel) -> RequestSpec:
    assert isinstance(params, AddTagsParams)
    query = params.query.nse() if params.query is not None else {"_id": {"in": list(params.deal_ids or [])}}
    body = {"query": query, "tags": list(params.tags), "preflight_checks": params.preflight_checks}
    return RequestSpec(operation.method, operation.path, {}, body)


class RenameTagParams(Params):
    id: TagName = Field(description="The tag's current name (tags have no other id).")
    new_tag: TagName = Field(description="The new name.")


class DeleteTagParams(Params):
    id: TagName = Field(description="The tag's name (tags have no other id).")
    preflight_checks: Annotated[bool, BODY] = Field(
        default=False, description="true: fail if you cannot edit some tagged deals."
    )


def _encode_delete(operation: Operation, params: BaseModel) -> RequestSpec:
    # The spec marks this DELETE's JSON body as required; preflight_checks always travels in it.
    spec = default_encode(operation, params)
    assert isinstance(params, DeleteTagParams)
    return RequestSpec(spec.method, spec.path, spec.params, {"preflight_checks": params.preflight_checks})


OPERATIONS = (
    Operation(
        name="list_all_nimble_deals_tags",
        description="List the account's deal tags ({name, created}), optionally by prefix.",
        params=ListTagsParams,
        resource="deal_tags",
        method="GET",
        path="/api/v2/deals/tags",
        read_only=True,
        idempotent=True,
        paging=LimitPaging(items_key="tags"),
    ),
    Operation(
        name="create_a_nimble_deals_tag",
        description=(
            "Add tags to some deals, or to every deal matching a search; existing tags stay. Runs in the "
            "background: the answer is its progress (push_data), and tags may take a moment to appear."
        ),
        params=AddTagsParams,
        resource="deal_tags",
        method="POST",
        path="/api/v2/deals/tags",
        idempotent=True,
        encode=_encode_add,
    ),
    Operation(
        name="update_a_nimble_deals_tag_by_id",
        description="Rename a deal tag on every deal that has it; fails if the new name exists.",
        params=RenameTagParams,
        resource="deal_tags",
        method="PUT",
        path="/api/v2/deals/tags/{id}",
        idempotent=True,
    ),
    Operation(
        name="delete_a_nimble_deals_tag_by_id",
        description="Delete a deal tag from every deal and from the tag list; the deals stay.",
        params=DeleteTagParams,
        resource="deal_tags",
        method="DELETE",
        path="/api/v2/deals/tags/{id}",
        destructive=True,
        idempotent=True,
        encode=_encode_delete,
    ),
)
