"""Where infra_core's per-request microseconds go, measured in ONE process (bench/bench_stack.py).

The profile variants of bench_stack.py each live in their own process, and process-to-process
differences on this VM (memory layout, hash seeds, the phase a process happens to run in) are
±15 µs: more than most single layers cost. Here everything runs in one process, interleaved
block by block, so two timings differ only by what the code does:

* **handlers**: Django's WSGI handler built several times in this process with different
  ``MIDDLEWARE`` (``settings.MIDDLEWARE`` is read when a handler loads its middleware), on one
  URLconf that serves the plain view and the same view under ``@rate_limit`` (exact and leased
  scopes): bare, infra_core without the limit, with the leased limit, with the exact limit, and
  bare plus the limit alone. Overhead = a handler's block mean minus bare's in the same round.
* **layers**: each infra_core middleware called on its own around a view that returns a
  prebuilt response, and the decorator around the real view: its own cost over building the
  request (and over the view alone, for the decorator).

Only infra_core variants can share a process: the peer stack needs other apps and another
logging configuration, so the cross-stack ratios stay with the fresh-process method.
"""

from __future__ import annotations

import statistics
import sys
import types
from collections.abc import Callable
from typing import Any

from bench.harness import p10, spread

MODULE = "bench_stack_layers_urls"


def _urlconf(rate: str) -> None:
    from django.urls import path

    from bench.stack_app import ping
    from infra_core.ratelimit import rate_limit

    urls = types.ModuleType(MODULE)
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("plain", ping, name="plain"),
        path("lease", rate_limit("bench", key="ip", rate=rate)(ping), name="lease"),
        path("exact", rate_limit("bench_exact", key="ip", rate=rate)(ping), name="exact"),
    ]
    sys.modules[MODULE] = urls


def _over(means: list[float], base: list[float]) -> dict[str, Any]:
    """A timing against its base, round by round: median, per-round differences, fast figure."""
    return {
        "median_us": round(statistics.median(means), 2),
        "overhead_us": [round(a - b, 2) for a, b in zip(means, base, strict=True)],
        "overhead_fast_us": round(p10(means) - p10(base), 2),
    }


def measure(rounds: int = 20, block: int = 300) -> dict[str, Any]:
    """Configure Django (leased scope ``bench``), build the handlers and layers, time them."""
    from bench.stack_app import BASE_MW, INFRA_MW, RATE, configure

    configure("infra_lease")
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import JsonResponse
    from django.test import RequestFactory
    from django.urls import clear_url_caches, resolve

    from bench.harness import interleaved, wsgi_request
    from infra_core.middleware import (
        AccessLogMiddleware,
        ErrorMiddleware,
        MetricsMiddleware,
        RequestIDMiddleware,
    )
    from infra_core.ratelimit import rate_limit

    _urlconf(RATE)
    settings.ROOT_URLCONF = MODULE
    clear_url_caches()

    def handler(middleware: list[str]) -> WSGIHandler:
        settings.MIDDLEWARE = middleware
        return WSGIHandler()

    before, after, _ = INFRA_MW["infra"]
    infra_mw = [*before, *BASE_MW, *after]
    handlers = {
        "bare": (handler(list(BASE_MW)), "/plain"),
        "infra_core, no rate limit": (handler(infra_mw), "/plain"),
        "infra_core, leased limit": (handler(infra_mw), "/lease"),
        "infra_core, exact limit": (handler(infra_mw), "/exact"),
        "bare + leased @rate_limit": (handler(list(BASE_MW)), "/lease"),
        "bare + exact @rate_limit": (handler(list(BASE_MW)), "/exact"),
    }
    calls: dict[str, Callable[[], Any]] = {}
    for name, (app, url) in handlers.items():
        assert wsgi_request(app, url) == 200, name
        calls[name] = lambda app=app, url=url: wsgi_request(app, url)
    timed = interleaved(calls, rounds, block, warmup=200, seed=7)
    results: dict[str, Any] = {
        "handlers": {n: _over(v, timed["bare"]) for n, v in timed.items()},
    }

    factory = RequestFactory()
    match = resolve("/plain")
    prebuilt = JsonResponse({"ok": True})

    def request() -> Any:
        req = factory.get("/ping", REMOTE_ADDR="127.0.0.1")
        req.resolver_match = match
        return req

    def view(req: Any) -> Any:
        return JsonResponse({"ok": True, "service": "bench", "items": [1, 2, 3]})

    def around(layer: Callable[[Any], Any]) -> Callable[[], Any]:
        return lambda: layer(request())

    layers = {
        "request only": request,
        "view only": around(view),
        "RequestIDMiddleware": around(RequestIDMiddleware(lambda r: prebuilt)),
        "MetricsMiddleware": around(MetricsMiddleware(lambda r: prebuilt)),
        "AccessLogMiddleware": around(AccessLogMiddleware(lambda r: prebuilt)),
        "ErrorMiddleware": around(ErrorMiddleware(lambda r: prebuilt)),
        "@rate_limit, leased": around(rate_limit("bench", key="ip", rate=RATE)(view)),
        "@rate_limit, exact": around(rate_limit("bench_exact", key="ip", rate=RATE)(view)),
    }
    timed = interleaved(layers, rounds, 1000, warmup=200, seed=7)
    own: dict[str, Any] = {}
    for name, means in timed.items():
        base = timed["view only"] if name.startswith("@") else timed["request only"]
        own[name] = _over(means, base)
    results["layers"] = own
    return results


def _row(name: str, r: dict[str, Any]) -> str:
    over, fast = spread(r["overhead_us"]), r["overhead_fast_us"]
    return f"| {name} | {r['median_us']:.1f} | {over} | {fast:.1f} |"


def report(results: dict[str, Any]) -> None:
    """Print the two tables."""
    print("\none process, handlers interleaved (overhead over bare in the same round)")
    print("| handler | median µs | overhead µs, median [min-max] | overhead µs, fast |")
    print("|---|---|---|---|")
    for name, r in results["handlers"].items():
        print(_row(name, r))
    print("\none process, each layer alone (own cost: over building the request / the view alone)")
    print("| layer | median µs | own µs, median [min-max] | own µs, fast |")
    print("|---|---|---|---|")
    for name, r in results["layers"].items():
        if name in ("request only", "view only"):
            continue
        print(_row(name, r))
