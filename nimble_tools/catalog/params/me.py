"""Parameter models of ``nimble_tools.catalog.me``, imported when one of its operations first needs one."""

from __future__ import annotations

from ..._operation import Params


class MeParams(Params):
    """No arguments."""
