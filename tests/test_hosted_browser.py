"""The whole connect flow in a real headless Chromium (Debian's), driven by Playwright.

From the MCP client SDK's authorization URL to a working tool call: the consent page, "Sign in with
Nimble" (the sandbox's OAuth) for one person and a pasted personal API key for another, the allow
page, the redirect back to the client. Screenshots of each page are saved for people to look at
(``test-artifacts/hosted/``, or ``$NIMBLE_TEST_ARTIFACTS``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, sync_playwright_or_skip
from hosted_support import ADMIN, SAM, HostedServer, MemoryTokens, hosted_server, mcp_client
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

from benchmarks._local_servers import free_port

pytestmark = pytest.mark.anyio


def _playwright() -> Any:
    return sync_playwright_or_skip("the consent flow")


class Chromium:
    """One headless Chromium for the whole test, each consent in a fresh context (its own cookies).

    Playwright's sync API stays on the thread that started it, and the SDK asks for consent from
    worker threads: every use goes through this one thread.
    """

    def __init__(self, sync_playwright: Any) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._driver, self._browser = self._thread.submit(self._launch, sync_playwright).result()

    @staticmethod
    def _launch(sync_playwright: Any) -> tuple[Any, Any]:
        driver = sync_playwright().start()
        return driver, driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    def run(self, act: Callable[[Any], str]) -> str:
        """``act(browser)`` on the browser's thread."""
        return self._thread.submit(act, self._browser).result()

    def close(self) -> None:
        def stop() -> None:
            self._browser.close()
            self._driver.stop()

        self._thread.submit(stop).result()
        self._thread.shutdown()


def _chromium_consent(
    chromium: Chromium, shots: str, act: Callable[[Any], None], callback_prefix: str
) -> Callable[[str], str]:
    """A redirect handler for the SDK: opens the authorize URL in Chromium, lets ``act`` consent, returns the callback."""

    def consent_in(browser: Any, url: str) -> str:
        landed: list[str] = []
        context = browser.new_context(viewport={"width": 900, "height": 1000})
        try:
            page = context.new_page()

            def catch(route: Any) -> None:  # the client's loopback callback: record it, show a page
                landed.append(route.request.url)
                route.fulfill(status=200, content_type="text/html", body="<h1>Connected</h1>")

            page.route(f"{callback_prefix}**", catch)
            page.goto(url)
            _check_accessible_page(page)
            page.screenshot(path=str(ARTIFACTS / f"{shots}-1-connect.png"), full_page=True)
            act(page)
            page.get_by_role("button", name="Allow").wait_for()
            _check_accessible_page(page)
            page.screenshot(path=str(ARTIFACTS / f"{shots}-2-allow.png"), full_page=True)
            page.get_by_role("button", name="Allow").click()
            page.wait_for_url(f"{callback_prefix}**")
        finally:
            context.close()
        assert landed, "the browser never came back to the client"
        return landed[-1]

    return lambda url: chromium.run(lambda browser: consent_in(browser, url))


def _check_accessible_page(page: Any) -> None:
    """What a screen reader needs: a language, a title, one heading, a name for every control."""
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.title().endswith("Nimble MCP")
    assert page.get_by_role("heading", level=1).count() == 1
    for control in page.locator("input:not([type=hidden]), button").all():
        label = control.evaluate(
            "e => (e.labels && e.labels.length ? e.labels[0].textContent : '') || e.getAttribute('aria-label') || e.textContent"
        )
        assert label.strip(), control.evaluate("e => e.outerHTML")


def _sdk_auth(server: HostedServer, consent: Callable[[str], str], redirect_uri: str) -> tuple[Any, MemoryTokens]:
    import asyncio
    from urllib.parse import parse_qs, urlsplit

    storage = MemoryTokens()
    came_back: list[str] = []

    async def redirect_handler(url: str) -> None:
        came_back.append(await asyncio.to_thread(consent, url))

    async def callback_handler() -> AuthorizationCodeResult:
        query = parse_qs(urlsplit(came_back[-1]).query)
        return AuthorizationCodeResult(code=query["code"][0], state=query["state"][0], iss=query["iss"][0])

    metadata = OAuthClientMetadata(
        redirect_uris=[redirect_uri],  # type: ignore[list-item]
        client_name="Claude (test)",
        token_endpoint_auth_method="client_secret_post",
    )
    return OAuthClientProvider(server.mcp_url, metadata, storage, redirect_handler, callback_handler), storage


async def test_connect_flow_in_headless_chromium(tmp_path: Path) -> None:
    sync_playwright = _playwright()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    callback = f"http://127.0.0.1:{free_port()}/callback"
    chromium = Chromium(sync_playwright)
    try:
        with hosted_server(tmp_path) as server:
            sam_key = server.sandbox.personal_api_key(SAM)

            def paste_key(page: Any) -> None:
                field = page.get_by_label("Nimble API key")
                field.fill(sam_key)
                field.press("Enter")  # the keyboard submits the form

            def sign_in_with_nimble(page: Any) -> None:
                page.get_by_role("button", name="Sign in with Nimble").click()

            results = {}
            for who, act in (("hosted-api-key", paste_key), ("hosted-nimble-sign-in", sign_in_with_nimble)):
                auth, storage = _sdk_auth(server, _chromium_consent(chromium, who, act, callback), callback)
                async with mcp_client(server.mcp_url, auth=auth) as client:
                    tools = (await client.list_tools()).tools
                    me = await client.call_tool("list_all_nimble_me", {})
                assert not me.is_error and me.structured_content is not None
                results[who] = me.structured_content["result"]["email"]
                assert len(tools) > 90 and storage.tokens is not None
    finally:
        chromium.close()
    assert results == {"hosted-api-key": SAM, "hosted-nimble-sign-in": ADMIN}
    for name in ("hosted-api-key-1-connect", "hosted-api-key-2-allow", "hosted-nimble-sign-in-2-allow"):
        shot = ARTIFACTS / f"{name}.png"
        assert shot.stat().st_size > 5_000  # a real picture of a rendered page, kept for people to look at
