"""What people look for before adopting a package: a licence, a changelog, how to contribute and report,
checks before commits, CI, metadata, and a wheel and sdist that PyPI would accept.

The distributions are built once per run (the ``distributions`` fixture of ``conftest.py``: the
sdist, then the wheel from it, with the project's own build tools) and checked with
``twine check --strict``.
"""

from __future__ import annotations

import email.parser
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def makefile_recipe(target: str) -> list[str]:
    """The command lines of one Makefile target."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    body = re.search(rf"^{target}:[^\n]*\n((?:\t[^\n]*\n)+)", text, flags=re.M)
    assert body, f"no {target} target in the Makefile"
    return [line.strip() for line in body[1].splitlines()]


def test_the_licence_file_is_the_licence_the_metadata_declares() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    classifiers = PROJECT["classifiers"]
    assert not [c for c in classifiers if c.startswith("License ::")], "an SPDX licence replaces licence classifiers"


def test_the_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n") and "keepachangelog.com" in text
    assert "## [Unreleased]" in text
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", text, flags=re.M)
    assert PROJECT["version"] in versions, "the current version has no entry"
    sections = set(re.findall(r"^### (\w+)$", text, flags=re.M))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, sections
    for version in ["Unreleased", *versions]:
        assert re.search(rf"^\[{re.escape(version)}\]: https://", text, flags=re.M), f"no link for {version}"


def test_contributing_says_how_to_set_up_test_and_extend() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for heading in ("## Set up", "## Test", "## Add a Nimble endpoint", "## Add a plugin"):
        assert heading in text, heading
    assert "make test" in text and "pre-commit install" in text
    for path in re.findall(r"`((?:nimble_tools|tests|plugins|docs)/[\w/.-]+)`", text):
        assert (ROOT / path.rstrip("/")).exists() or "<" in path, f"CONTRIBUTING.md names a missing {path}"


def test_security_says_how_to_report_and_what_the_defaults_promise() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    assert "## Reporting a vulnerability" in text and "## What the safety defaults promise" in text
    for promise in ("Destructive calls ask first", "Nothing invalid is sent", "Secrets stay secret"):
        assert promise in text
    for suite in re.findall(r"`(tests/test_[\w*]+\.py)`", text):
        assert list(ROOT.glob(suite)), f"SECURITY.md names {suite}, which matches no test file"


def test_pre_commit_runs_the_same_ruff_and_mypy_as_make_test() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"ruff-check", "ruff-format", "mypy"}
    lint, typecheck = makefile_recipe("lint"), makefile_recipe("typecheck")
    as_make = {line.replace("$(BIN)", ".venv/bin") for line in [*lint, *typecheck]}
    for hook in hooks.values():
        assert hook["language"] == "system"  # the project's own tools, no download
        command = hook["entry"].replace(" --force-exclude", "")
        assert any(line.startswith(command) for line in as_make), (hook["id"], command, as_make)


def test_pre_commit_configuration_is_valid() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_github_workflow_runs_what_ci_runs() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in triggers and "push" in triggers
    (job,) = workflow["jobs"].values()
    assert "debian" in job["container"] or "bookworm" in job["container"] or "trixie" in job["container"]
    runs = [step.get("run", "") for step in job["steps"]]
    assert "bash .ci/run" in runs
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().endswith("make test")


def test_the_metadata_has_urls_and_classifiers() -> None:
    urls = PROJECT["urls"]
    assert {"Homepage", "Documentation", "Repository", "Issues", "Changelog"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    classifiers = PROJECT["classifiers"]
    assert "Typing :: Typed" in classifiers
    python = PROJECT["requires-python"].removeprefix(">=")
    assert f"Programming Language :: Python :: {python}" in classifiers


# -- the distributions -----------------------------------------------------------------------------


@pytest.fixture
def dist(distributions: dict[str, Path]) -> dict[str, Path]:
    return distributions


def test_twine_accepts_the_wheel_and_the_sdist(dist: dict[str, Path]) -> None:
    command = [sys.executable, "-m", "twine", "check", "--strict", str(dist["wheel"]), str(dist["sdist"])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def wheel_metadata(wheel: Path) -> Any:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_the_wheel_carries_every_package_typed_with_its_licence(dist: dict[str, Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as archive:
        names = set(archive.namelist())
    packages = ["nimble_tools"]
    for folder in ("adapters", "plugins", "demo"):
        packages += [p.name for p in (ROOT / folder).iterdir() if (p / "__init__.py").exists()]
    for package in packages:
        assert f"{package}/__init__.py" in names, package
        assert f"{package}/py.typed" in names, f"{package} is not marked typed in the wheel"
    assert "nimble_tools/tool_search/tool_vectors.npz" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = wheel_metadata(dist["wheel"])
    assert metadata["License-Expression"] == "MIT"
    assert {url.split(",")[0] for url in metadata.get_all("Project-URL")} >= {"Documentation", "Repository"}
    assert "Typing :: Typed" in metadata.get_all("Classifier")
    assert metadata.get_payload().startswith("# nimble-tools")  # the README is the long description


def test_the_sdist_holds_the_notes_docs_and_tests(dist: dict[str, Path]) -> None:
    with tarfile.open(dist["sdist"]) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for path in ("LICENSE", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", "SECURITY.md", "mkdocs.yml"):
        assert path in names, path
    assert "docs/index.md" in names and "tests/test_docs_site.py" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith("test-artifacts")]
