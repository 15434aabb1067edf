"""Shared pieces of the composite-action plugins (not a plugin itself).

Steps written once for sync and async (:mod:`._steps`), identity keys in their compared form
(:mod:`._keys`), readers for Nimble contact records (:mod:`._records`), and the lookup of the
one contact an action is about (:mod:`._resolve`), and bulk runs with reports and progress
(:mod:`._bulk`), and short field types whose limits are checked but not published (:mod:`._schema`).
"""

from ._bulk import BulkReport, Progress, ProgressCallback, progress_option, run_batches, run_batches_async
from ._keys import fold, normalise_email, normalise_phone, phone_search_forms, try_normalise_phone
from ._records import contact_summary, employers, field_values, full_name, jobs, plain_text, tag_names
from ._resolve import Resolution, resolve_contact
from ._schema import QUIET_CHECKS, Country, Email, Phone, ShortText, unpublished
from ._steps import Call, CallCounter, Steps, arun, handlers, run

__all__ = [
    "QUIET_CHECKS",
    "BulkReport",
    "Call",
    "CallCounter",
    "Country",
    "Email",
    "Phone",
    "Progress",
    "ProgressCallback",
    "Resolution",
    "ShortText",
    "Steps",
    "arun",
    "contact_summary",
    "employers",
    "field_values",
    "fold",
    "full_name",
    "handlers",
    "jobs",
    "normalise_email",
    "normalise_phone",
    "phone_search_forms",
    "plain_text",
    "progress_option",
    "resolve_contact",
    "run",
    "run_batches",
    "run_batches_async",
    "tag_names",
    "try_normalise_phone",
    "unpublished",
]
