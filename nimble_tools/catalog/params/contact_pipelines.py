"""Parameter models of ``nimble_tools.catalog.contact_pipelines``, imported when one of its operations first needs one."""

from __future__ import annotations

from ..._operation import Params


class NoParams(Params):
    """No arguments."""
