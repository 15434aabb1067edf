"""Shared pieces of the composite-action plugins (not a plugin itself).

Steps written once for sync and async (:mod:`._steps`), identity keys in their compared form
(:mod:`._keys`), and readers for Nimble contact records (:mod:`._records`).
"""

from ._keys import fold, normalise_email, normalise_phone, phone_search_forms, try_normalise_phone
from ._records import contact_summary, employers, field_values, full_name, tag_names
from ._steps import Call, CallCounter, Steps, arun, run

__all__ = [
    "Call",
    "CallCounter",
    "Steps",
    "arun",
    "contact_summary",
    "employers",
    "field_values",
    "fold",
    "full_name",
    "normalise_email",
    "normalise_phone",
    "phone_search_forms",
    "run",
    "tag_names",
    "try_normalise_phone",
]
