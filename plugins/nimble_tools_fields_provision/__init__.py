"""Custom-field provisioning: declare contact fields or a deal pipeline's fields, apply idempotently.

A plugin (entry point ``nimble_tools_fields_provision``) registering
``nimble_provision_custom_fields``. The spec names a contact tab (or a deal pipeline, whose
fields live in one tab), its groups and fields (with the options of choice fields). Applying it creates what is missing, keeps what matches and reports
drift (a different kind, another place, extra options) without changing or deleting anything.
``dry_run`` returns the plan alone. A run that meets a lost answer re-reads the layout and plans
again, so nothing is created twice; the result lists what was applied and what remains.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nimble_tools import Operation, hookimpl
from nimble_tools.adapter_support import LazyImplementation

if TYPE_CHECKING:
    from ._spec import FieldSpec, GroupSpec, ProvisionParams, choice_id

__all__ = ["FieldSpec", "GroupSpec", "ProvisionParams", "choice_id", "register_operations"]

# The entry point holds the declarations only: models and steps load with the first call.
__getattr__ = LazyImplementation(__name__, "_spec").attributes(set(__all__) - {"register_operations"})


PROVISION = Operation(
    name="nimble_provision_custom_fields",
    description=(
        "Provision custom fields from a declared spec: a contact tab (by title) or a deal pipeline's fields, "
        "with groups, kinds and choice options. Creates what is missing, keeps what matches, and reports "
        "drift (another kind or place, extra options) without changing or deleting anything. dry_run returns "
        "the plan only. Returns plan, applied, remaining, kept and drift. Safe to repeat."
    ),
    params="nimble_tools_fields_provision._spec:ProvisionParams",
    resource="fields",
    method="POST",
    idempotent=True,
    handler="nimble_tools_fields_provision._action:handle",
    async_handler="nimble_tools_fields_provision._action:async_handle",
    tags=("composite", "fields"),
)


@hookimpl
def register_operations(register: Callable[[Operation], None]) -> None:
    """Register the field-provisioning action."""
    register(PROVISION)
