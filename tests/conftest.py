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


@pytest.fixture
def default_tools(toolkit: NimbleToolkit) -> list[str]:
    """What adapters emit by default: every operation but the tool-search meta-tools, in order."""
    from nimble_tools.toolsets import resolve

    return list(resolve(toolkit, None))
