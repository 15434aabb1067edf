from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

from nimble_tools import NimbleToolkit

if TYPE_CHECKING:
    from hardening_support import Wire

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
    # The tools' schema cache lives in a directory of this run (the servers the tests start, in this
    # process or as subprocesses, share it), never in the user's own cache.
    if "NIMBLE_TOOLS_SCHEMA_CACHE" not in os.environ:
        directory = tempfile.mkdtemp(prefix="nimble-tools-schemas-")
        os.environ["NIMBLE_TOOLS_SCHEMA_CACHE"] = directory
        config.add_cleanup(lambda: shutil.rmtree(directory, ignore_errors=True))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with `make test-full` (pytest --run-slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Compound values (dicts, lists, tuples, sets) read as what they hold, not ``arguments3``.

    Other values keep pytest's own id. The text never holds an address (ids must be the same in
    every worker process), and long ones are cut.
    """
    if not isinstance(val, dict | list | tuple | set | frozenset):
        return None
    text = _readable(val, top=True)
    return text if len(text) <= MAX_ID else text[: MAX_ID - 1] + "…"


MAX_ID = 60


def _readable(value: object, *, top: bool = False) -> str:
    if isinstance(value, dict):
        pairs = ",".join(f"{key}={_readable(item)}" for key, item in value.items())
        return pairs if top and pairs else "{" + pairs + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_readable(item) for item in value) + "]"
    if isinstance(value, set | frozenset):
        return "{" + ",".join(sorted(_readable(item) for item in value)) + "}"
    if value is None or isinstance(value, str | int | float | bool):
        return str(value)
    return type(value).__name__  # an object's repr may hold its address


# The longest files, longest first: when the files run on several workers (make test), these start
# before the others. pytest-xdist would start them last, as it hands out files by their number of
# tests, and a long file started last keeps one worker busy while the others wait.
LONGEST_FILES = (
    "test_hardening_properties.py",
    "test_notebooks.py",
    "test_hosted_workers.py",
    "test_wheel_install.py",
    "test_hardening_soak.py",
    "test_hosted_browser.py",
    "test_safety_defaults.py",
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``--dist loadfile``: xdist's file scheduler, the longest files handed out first."""
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LongestFirst(LoadFileScheduling):  # type: ignore[misc]
        ordered = False

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered:  # the queue is complete when the first file is handed out
                self.ordered = True
                rank = {name: index for index, name in enumerate(LONGEST_FILES)}
                files = sorted(self.workqueue, key=lambda scope: rank.get(scope.rsplit("/", 1)[-1], len(rank)))
                self.workqueue = type(self.workqueue)((scope, self.workqueue[scope]) for scope in files)
            super()._assign_work_unit(node)

    return LongestFirst(config, log)


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
    dev extra), so nothing is downloaded. Under xdist the workers share one build: setuptools writes
    its staging folder into the project, so two builds at once would trip over each other.
    """
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run_id is None:
        out = tmp_path_factory.mktemp("dist")
        _build_distributions(out)
        return _distributions_in(out)
    shared = tmp_path_factory.getbasetemp().parent / f"dist-{run_id}"
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not any(shared.glob("nimble_tools-*.whl")):  # the first worker to get here builds
            _build_distributions(shared)
    return _distributions_in(shared)


def _build_distributions(out: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(root)]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _distributions_in(out: Path) -> dict[str, Path]:
    (wheel,) = out.glob("nimble_tools-*.whl")
    (sdist,) = out.glob("nimble_tools-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


# Fixtures several test modules share. Their support modules are imported when a test asks for one,
# so that running one small test file does not load them all.


@pytest.fixture
def wired() -> tuple[NimbleToolkit, Wire]:
    """A toolkit on a freshly seeded sandbox, and the record of every request it sends."""
    from hardening_support import wired_toolkit

    return wired_toolkit()


@pytest.fixture
def deal_toolkit() -> Iterator[NimbleToolkit]:
    """A fresh seeded sandbox toolkit whose every deals-side answer is checked against the spec."""
    from deals_support import make_toolkit

    toolkit = make_toolkit()
    yield toolkit
    toolkit.close()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server for the module; its tests are skipped, saying how to get one, without it."""
    from auth_support import redis_server

    with redis_server() as url:
        yield url
