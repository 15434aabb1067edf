"""The documentation site builds with no warning, says what the code does, and looks right in a browser.

The site is built once for this module exactly as ``make docs`` builds it (``mkdocs build --strict``:
a broken link, anchor or reference fails), then read: every registered operation has its catalog
entry, every name a public module exports is in the API reference, the benchmarks page shows the file
``make bench`` writes, and headless Chromium takes screenshots of the home and catalog pages (saved in
``test-artifacts/docs/`` for people to look at) while nothing is fetched from outside the site.
"""

from __future__ import annotations

import functools
import html
import importlib
import importlib.util
import json
import os
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, sync_playwright_or_skip
from loopback_support import serving

import nimble_tools
from nimble_tools import NimbleToolkit, Operation

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / "docs" / "_hooks"
# Documented on pages of their own: the command line (guides/cli.md) and the catalog's operations
# (reference/catalog.md, written from the registry).
NOT_IN_API_REFERENCE = {"nimble_tools.cli", "nimble_tools.catalog"}


def build_site(site: Path) -> subprocess.CompletedProcess[str]:
    """``make docs``'s command, into ``site``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("site")
    done = build_site(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder, done.stdout + done.stderr


@pytest.fixture(scope="module")
def site(built: tuple[Path, str]) -> Path:
    return built[0]


def hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docs_hook_{name}", HOOKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page(site: Path, path: str) -> str:
    """A built page's HTML (the offline plugin writes ``path.html``, so the site works from files too)."""
    return (site / f"{path}.html").read_text(encoding="utf-8")


def test_make_docs_builds_strict_with_no_warning(built: tuple[Path, str]) -> None:
    site, output = built
    assert "WARNING" not in output, output
    assert (site / "index.html").exists() and (site / "reference" / "catalog.html").exists()


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    """What --strict promises: copy the docs, break one link, and the build refuses."""
    docs = tmp_path / "docs"
    subprocess.run(["cp", "-r", str(ROOT / "docs"), str(docs)], check=True)
    (docs / "index.md").write_text("# Home\n\nSee [nowhere](no-such-page.md).\n", encoding="utf-8")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("docs_dir: docs", f"docs_dir: {docs}")
    config = config.replace("- docs/_hooks/", f"- {docs}/_hooks/").replace("paths: [., ", f"paths: [{ROOT}, {ROOT}/")
    config = config.replace(", adapters, plugins, demo]", f", {ROOT}/plugins, {ROOT}/demo]")
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(tmp_path / "mkdocs.yml")]
    command += ["--site-dir", str(tmp_path / "site")]
    built = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert built.returncode != 0
    assert "no-such-page.md" in built.stdout + built.stderr


# -- the catalog -----------------------------------------------------------------------------------


@functools.cache
def registry() -> dict[str, Operation]:
    return dict(NimbleToolkit(api_key="docs-test", autoload_plugins=True).operations)


def catalog_entries(site: Path) -> dict[str, str]:
    """Each operation's entry on the built catalog page, by its anchor."""
    text = page(site, "reference/catalog")
    parts = re.split(r'<h3 id="([A-Za-z0-9_]+)"', text)
    return {parts[i]: html.unescape(re.sub(r"<[^>]+>", "", parts[i + 1])) for i in range(1, len(parts), 2)}


def test_every_registered_operation_has_its_catalog_entry(site: Path) -> None:
    entries = catalog_entries(site)
    operations = registry()
    assert set(entries) == set(operations)
    for name, operation in operations.items():
        entry = entries[name]
        where = f"{operation.method} {operation.path}" if not operation.is_composite else str(operation.plugin)
        assert where in entry, (name, where)
        assert " ".join(operation.description.split())[:80] in " ".join(entry.split()), name
        for parameter in operation.params.model_fields.values():
            assert f"{parameter.alias or ''}" in entry
        for field_name, info in operation.params.model_fields.items():
            assert (info.alias or field_name) in entry, (name, field_name)


def test_the_catalog_is_written_from_the_registry_it_is_given() -> None:
    """Not from a file: a new operation appears, with its endpoint, flags and parameters."""
    catalog = hook("catalog_page")
    base = registry()["list_all_nimble_me"]
    invented = Operation(
        name="count_the_stars",
        description="Count the stars | in a galaxy <far away>.",
        params=base.params,
        resource="astronomy",
        method="DELETE",
        path="/api/v1/stars",
        destructive=True,
    )
    text = catalog.catalog_markdown([base, invented])
    assert "### `count_the_stars` {#count_the_stars}" in text
    assert "`DELETE /api/v1/stars`" in text and "DESTRUCTIVE" in text
    assert "Count the stars \\| in a galaxy &lt;far away&gt;." in text
    assert "2 operations in 2 resources." in text


# -- the API reference -----------------------------------------------------------------------------


def public_modules() -> list[str]:
    """``nimble_tools`` and its public modules, and every adapter and plugin package."""
    names = ["nimble_tools"]
    for info in pkgutil.iter_modules(nimble_tools.__path__):
        name = f"nimble_tools.{info.name}"
        if not info.name.startswith("_") and name not in NOT_IN_API_REFERENCE:
            names.append(name)
    for folder in ("adapters", "plugins"):
        names += sorted(path.name for path in (ROOT / folder).iterdir() if (path / "__init__.py").exists())
    return names


def reference_anchors(site: Path) -> set[str]:
    found: set[str] = set()
    for path in (site / "reference" / "api").rglob("*.html"):
        found |= set(re.findall(r'id="([^"]+)"', path.read_text(encoding="utf-8")))
    return found


def test_every_public_name_in_all_is_in_the_api_reference(site: Path) -> None:
    anchors = reference_anchors(site)
    modules = public_modules()
    assert {"nimble_tools.toolsets", "nimble_tools.auth", "nimble_tools_openai", "nimble_tools_dedupe"} <= set(modules)
    missing = []
    for name in modules:
        module = importlib.import_module(name)
        assert name in anchors, f"{name} has no section in the API reference (docs/reference/api/)"
        exported = getattr(module, "__all__", None)
        assert exported, f"{name} declares no __all__"
        missing += [f"{name}.{member}" for member in exported if f"{name}.{member}" not in anchors]
    assert not missing, f"not in the API reference: {missing}"


# -- benchmarks ------------------------------------------------------------------------------------


def test_make_bench_writes_what_each_benchmark_printed(tmp_path: Path) -> None:
    from benchmarks._results import RunReport, timed_run

    def fast(argv: list[str]) -> int:
        print("fast thing 1.5 ms (aim 2 ms: met)")
        return 0

    def slow(argv: list[str]) -> int:
        print("slow thing 9.0 ms (aim 2 ms: MISSED)")
        return 1

    def broken(argv: list[str]) -> int:
        raise RuntimeError("no such figure")

    report = RunReport(arguments=["--quick"])
    for name, main in (("fast", fast), ("slow", slow), ("broken", broken)):
        module = SimpleNamespace(__name__=f"benchmarks.{name}", __doc__=f"The {name} benchmark.\n\nMore.", main=main)
        report.benchmarks.append(timed_run(module, ["--quick"]))
    report.write(tmp_path / "results.json")
    written = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))

    runs = {run["name"]: run for run in written["benchmarks"]}
    assert runs["benchmarks.fast"]["output"] == "fast thing 1.5 ms (aim 2 ms: met)\n"
    assert runs["benchmarks.fast"]["command"] == "python -m benchmarks.fast --quick"
    assert [runs[f"benchmarks.{n}"]["status"] for n in ("fast", "slow", "broken")] == [0, 1, 2]
    assert "RuntimeError: no such figure" in runs["benchmarks.broken"]["output"]
    assert written["machine"]["cores"] == os.cpu_count()

    rendered = hook("benchmark_page").results_markdown(written)
    assert "fast thing 1.5 ms (aim 2 ms: met)" in rendered and "slow thing 9.0 ms" in rendered
    assert "| [`slow`](#bench-slow) | The slow benchmark. | **missed** (exit status 1) |" in rendered


def test_the_benchmarks_page_shows_the_file_make_bench_wrote(site: Path) -> None:
    written = json.loads((ROOT / "docs" / "explanation" / "benchmark-results.json").read_text(encoding="utf-8"))
    shown = html.unescape(re.sub(r"<[^>]+>", "", page(site, "explanation/benchmarks")))
    assert written["benchmarks"], "make bench recorded no benchmark"
    for run in written["benchmarks"]:
        assert run["command"] in shown
        for line in run["output"].splitlines()[:3]:
            assert line.strip() in shown, (run["name"], line)
    names = {run["name"] for run in written["benchmarks"]}
    modules = {
        f"benchmarks.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "benchmarks")]) if not m.name.startswith("_")
    }
    assert names == modules, "docs/explanation/benchmark-results.json is older than the benchmarks: run make bench"


# -- in a browser ----------------------------------------------------------------------------------


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    """The built site over HTTP on a loopback port."""

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Quiet) as url:
        yield url


def test_home_and_catalog_pages_in_headless_chromium(served: str) -> None:
    sync_playwright = sync_playwright_or_skip("the documentation site")
    shots = ARTIFACTS / "docs"
    shots.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: None if request.url.startswith(served) else outside.append(request.url))

            page.goto(f"{served}/index.html")
            assert page.title().startswith("nimble-tools")
            assert page.get_by_role("heading", level=1).first.inner_text().startswith("nimble-tools")
            assert page.get_by_role("link", name="Catalog").first.is_visible()
            page.screenshot(path=str(shots / "home.png"))

            page.goto(f"{served}/reference/catalog.html")
            entries = page.locator("h3[id]")
            assert entries.count() == len(registry())
            page.locator("#list_all_nimble_contacts").scroll_into_view_if_needed()
            page.wait_for_timeout(500)  # let the header finish its title swap before the picture
            page.screenshot(path=str(shots / "catalog.png"))
            page.screenshot(path=str(shots / "catalog-top.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 900})
        finally:
            browser.close()
    assert not outside, f"the site fetched from outside itself: {outside[:5]}"
    assert (shots / "home.png").stat().st_size > 10_000
