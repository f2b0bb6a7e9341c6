"""MetricsMiddleware counts by route name and normalised method; raw paths never become labels."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest
from django.test import AsyncClient, Client
from prometheus_client import REGISTRY

pytestmark = pytest.mark.usefixtures("metrics_mw")


def _count(route: str, method: str = "GET", status: str = "200") -> float:
    labels = {"route": route, "method": method, "status": status}
    return REGISTRY.get_sample_value("infra_core_http_requests_total", labels) or 0.0


def _label_sets() -> set[tuple[str, str, str]]:
    found = set()
    for metric in REGISTRY.collect():
        if metric.name == "infra_core_http_requests":
            for s in metric.samples:
                if s.name.endswith("_total"):
                    found.add((s.labels["route"], s.labels["method"], s.labels["status"]))
    return found


def test_metrics_middleware_counts_requests_by_route_name() -> None:
    before = _count("ping")
    for _ in range(3):
        Client().get("/ping/")
    assert _count("ping") == before + 3


def test_metrics_middleware_uses_route_name_not_path() -> None:
    before = _count("item")
    Client().get("/items/1/")
    Client().get("/items/2/")
    assert _count("item") == before + 2
    assert not [s for s in _label_sets() if "/items/" in s[0]]


def test_metrics_middleware_counts_async_view() -> None:
    before = _count("aping")
    asyncio.run(AsyncClient().get("/aping/"))
    assert _count("aping") == before + 1


def test_metrics_middleware_view_exception_counts_500() -> None:
    before = _count("boom", status="500")
    Client(raise_request_exception=False).get("/boom/")
    assert _count("boom", status="500") == before + 1


def test_metrics_middleware_records_duration_histogram() -> None:
    labels = {"route": "ping", "method": "GET"}
    before = REGISTRY.get_sample_value("infra_core_http_request_duration_seconds_count", labels)
    Client().get("/ping/")
    after = REGISTRY.get_sample_value("infra_core_http_request_duration_seconds_count", labels)
    assert after == (before or 0.0) + 1


def test_metrics_middleware_unknown_paths_and_methods_add_no_label_values() -> None:
    client = Client()
    for method in ("GET", "POST", "DELETE", "BREW"):  # one unknown-route series per method kind
        client.generic(method, f"/warmup-{uuid.uuid4()}/")
    before = _label_sets()
    rng = random.Random(6)
    for i in range(300):
        method = rng.choice(["GET", "POST", "DELETE", f"X{i}", "PROPFIND"])
        client.generic(method, f"/nope/{uuid.uuid4()}/{i}")
    assert _label_sets() - before == set()


def test_metrics_middleware_failure_is_swallowed_and_counted(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from infra_core.metrics import middleware

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("registry broken")

    monkeypatch.setattr(middleware, "record_request", broken)
    before = (
        REGISTRY.get_sample_value("infra_core_observer_errors_total", {"component": "metrics"})
        or 0.0
    )
    assert Client().get("/ping/").status_code == 200
    after = REGISTRY.get_sample_value("infra_core_observer_errors_total", {"component": "metrics"})
    assert after == before + 1
