"""Headless Chromium for tests that look at pages as a person would: Debian's browser, driven by Playwright.

The browser is the system's (``apt-get install chromium``; ``.ci/run`` installs it), never a download.
Screenshots go to ``test-artifacts/`` (or ``$NIMBLE_TEST_ARTIFACTS``) for people to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("NIMBLE_TEST_ARTIFACTS") or Path(__file__).resolve().parent.parent / "test-artifacts")


def sync_playwright_or_skip(what: str) -> Any:
    """Playwright's ``sync_playwright``, or a skip that says what is missing and how to install it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install playwright (make installs it with the dev extra).")
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium is not installed, so {what} is not tried in a real browser. Install Debian's "
            "(apt-get install -y chromium); .ci/run does it automatically."
        )
    return sync_playwright
