"""MetricsMiddleware: count and time every request by route name, method and status."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from infra_core.logging.access import route_name
from infra_core.metrics.definitions import HTTP_DURATION, HTTP_REQUESTS, normalise_method
from infra_core.middleware_base import HybridMiddleware
from infra_core.observe import observer_failed

# Child metrics per label tuple: .labels() takes a lock and builds a key on every call. Bounded,
# because every label is (route names x known methods x status codes).
_counters: dict[tuple[str, str, str], Any] = {}
_histograms: dict[tuple[str, str], Any] = {}


def record_request(request: HttpRequest, status: int, seconds: float) -> None:
    """Count one finished request (route from the resolver, never the raw path)."""
    route = route_name(request)
    method = normalise_method(request.method)
    ckey = (route, method, str(status))
    counter = _counters.get(ckey)
    if counter is None:
        counter = _counters.setdefault(ckey, HTTP_REQUESTS.labels(*ckey))
    counter.inc()
    hkey = (route, method)
    histogram = _histograms.get(hkey)
    if histogram is None:
        histogram = _histograms.setdefault(hkey, HTTP_DURATION.labels(*hkey))
    histogram.observe(seconds)


def _record(request: HttpRequest, response: HttpResponseBase | None, start: float) -> None:
    try:
        status = response.status_code if response is not None else 500
        record_request(request, status, time.perf_counter() - start)
    except Exception as exc:  # observers never break the observed
        observer_failed("metrics", exc)


class MetricsMiddleware(HybridMiddleware):
    """Record infra_core_http_* metrics; list it right after RequestIDMiddleware."""

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        start = time.perf_counter()
        response: HttpResponseBase | None = None
        try:
            response = self.get_response(request)
            return response
        finally:
            _record(request, response, start)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        start = time.perf_counter()
        response: HttpResponseBase | None = None
        try:
            get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
            response = await get_response(request)
            return response
        finally:
            _record(request, response, start)
