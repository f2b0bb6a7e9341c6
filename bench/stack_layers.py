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

import random
import statistics
import sys
import time
import types
from collections.abc import Callable
from typing import Any

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


def _timed(fns: dict[str, Callable[[], Any]], rounds: int, block: int) -> dict[str, list[float]]:
    for fn in fns.values():
        for _ in range(200):
            fn()
    means: dict[str, list[float]] = {n: [] for n in fns}
    names = list(fns)
    rng = random.Random(7)
    for _ in range(rounds):
        rng.shuffle(names)
        for name in names:
            fn = fns[name]
            t0 = time.perf_counter_ns()
            for _ in range(block):
                fn()
            means[name].append((time.perf_counter_ns() - t0) / block / 1000)
    return means


def _over(means: list[float], base: list[float]) -> dict[str, float]:
    diffs = [a - b for a, b in zip(means, base, strict=True)]
    fast = sorted(means)[max(0, len(means) // 10 - 1)] - sorted(base)[max(0, len(base) // 10 - 1)]
    return {
        "median_us": round(statistics.median(means), 2),
        "overhead_us": round(statistics.median(diffs), 2),
        "overhead_min_us": round(min(diffs), 2),
        "overhead_max_us": round(max(diffs), 2),
        "overhead_fast_us": round(fast, 2),
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

    from bench.harness import wsgi_request
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
    timed = _timed(calls, rounds, block)
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
    timed = _timed(layers, rounds, 1000)
    own: dict[str, Any] = {}
    for name, means in timed.items():
        base = timed["view only"] if name.startswith("@") else timed["request only"]
        own[name] = _over(means, base)
    results["layers"] = own
    return results


def _row(name: str, r: dict[str, float]) -> str:
    spread = f"{r['overhead_us']:.1f} [{r['overhead_min_us']:.1f}-{r['overhead_max_us']:.1f}]"
    return f"| {name} | {r['median_us']:.1f} | {spread} | {r['overhead_fast_us']:.1f} |"


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
