from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from nimble_tools import NimbleToolkit

# Property tests: `make test` runs a fixed, quick sample (the same examples every run, so CI is
# repeatable); `make test-full` (--run-slow) explores many more, with fresh random examples.
settings.register_profile(
    "default",
    max_examples=int(os.environ.get("NIMBLE_PROPERTY_EXAMPLES", "6")),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
settings.register_profile(
    "full",
    max_examples=int(os.environ.get("NIMBLE_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow", action="store_true", help="also run the tests marked slow, and explore more examples"
    )


def pytest_configure(config: pytest.Config) -> None:
    settings.load_profile("full" if config.getoption("--run-slow") else "default")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with `make test-full` (pytest --run-slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


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


@pytest.fixture(scope="session")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist, and the wheel built from it as pip would, once per run for every test that needs them.

    ``python -m build --no-isolation``: the build backend comes from the project's environment (the
    dev extra), so nothing is downloaded.
    """
    out = tmp_path_factory.mktemp("dist")
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(root)]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("nimble_tools-*.whl")
    (sdist,) = out.glob("nimble_tools-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}
