"""The sandbox router: the most specific route wins, whatever the order routes were added in."""

from __future__ import annotations

import importlib
import random
import re

import pytest

from nimble_tools.sandbox._http import ApiError, Route, Router, SandboxRequest
from nimble_tools.sandbox.routes import ROUTE_MODULES, build_router

SAMPLE_ID = "5f0c1e2d3a4b5c6d7e8f9012"  # a value no literal segment has


def every_route() -> list[Route]:
    routes: list[Route] = []
    for name in ROUTE_MODULES:
        routes += importlib.import_module(f"nimble_tools.sandbox.routes.{name}").router.routes
    return routes


def sample_path(pattern: str) -> str:
    return re.sub(r"\{\w+\}", SAMPLE_ID, pattern)


def shuffled_router(seed: int) -> Router:
    routes = every_route()
    random.Random(seed).shuffle(routes)
    router = Router()
    router.include(*routes)
    return router


@pytest.mark.parametrize("seed", range(5))
def test_every_route_is_reached_whatever_the_order_of_registration(seed: int) -> None:
    canonical = build_router()
    shuffled = shuffled_router(seed)
    for route in canonical.routes:
        path = sample_path(route.pattern)
        found, params = shuffled.match(route.method, path)
        assert (found.method, found.pattern) == (route.method, route.pattern), path
        assert found.handler is route.handler
        assert set(params.values()) <= {SAMPLE_ID}


def test_a_literal_segment_beats_a_placeholder_added_first() -> None:
    def by_id(_: SandboxRequest) -> str:
        return "by id"

    def pipelines(_: SandboxRequest) -> str:
        return "pipelines"

    router = Router()
    router.add("GET", "/api/v2/deals/{deal_id}", by_id)
    router.add("GET", "/api/v2/deals/pipelines", pipelines)
    assert router.match("GET", "/api/v2/deals/pipelines")[0].handler is pipelines
    route, params = router.match("GET", "/api/v2/deals/abc")
    assert route.handler is by_id and params == {"deal_id": "abc"}
    # earlier segments decide first: /a/b/{x} is more specific than /a/{x}/c for /a/b/c
    router.add("GET", "/a/{x}/c", by_id)
    router.add("GET", "/a/b/{x}", pipelines)
    assert router.match("GET", "/a/b/c")[0].handler is pipelines


def test_the_method_still_chooses_among_matching_patterns() -> None:
    router = Router()
    router.add("GET", "/api/v2/deals/pipelines", lambda request: "list")
    router.add("PUT", "/api/v2/deals/{deal_id}", lambda request: "update")
    assert router.match("PUT", "/api/v2/deals/pipelines")[0].pattern == "/api/v2/deals/{deal_id}"
    with pytest.raises(ApiError) as raised:
        router.match("DELETE", "/api/v2/deals/pipelines")
    assert raised.value.status == 405


def test_two_routes_of_one_shape_are_refused() -> None:
    router = Router()
    router.add("GET", "/api/v1/contact/{id}", lambda request: None)
    with pytest.raises(ValueError, match=re.escape("clashes with GET /api/v1/contact/{id}")):
        router.add("GET", "/api/v1/contact/{contact_id}", lambda request: None)
    router.add("DELETE", "/api/v1/contact/{contact_id}", lambda request: None)  # another method: fine
