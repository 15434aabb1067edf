from __future__ import annotations

import pytest

from nimble_tools import NimbleToolkit


@pytest.fixture
def toolkit() -> NimbleToolkit:
    """A fresh toolkit on a freshly seeded in-process sandbox."""
    return NimbleToolkit.sandbox()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
