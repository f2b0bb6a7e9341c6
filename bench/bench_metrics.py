"""HTTP metrics and the error path: bare Django vs infra_core vs django-prometheus, one run.

Variants (each in its own process, same harness, in-process WSGI, one small JSON view):

* ``bare``: SecurityMiddleware, CommonMiddleware, XFrameOptionsMiddleware.
* ``infra_metrics``: bare + infra_core ``MetricsMiddleware`` (default in-memory registry).
* ``prometheus``: bare + django-prometheus Before/After middleware (the peer).
* ``infra_metrics_mp`` / ``prometheus_mp``: the same with ``PROMETHEUS_MULTIPROC_DIR`` set
  (mmap-backed values, what gunicorn needs).
* ``django_404`` / ``infra_404``: a view raising ``Http404`` answered by Django's handler vs
  ``ErrorMiddleware`` + a view raising ``NotFoundError`` (the envelope, counted by code).

Before timing, each metrics variant checks that its request counter moved (sanity).
Run: ``python bench/bench_metrics.py`` (all variants, prints a table and JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ratio, run_variant, time_callable, wsgi_request

VARIANTS = [
    "bare",
    "infra_metrics",
    "prometheus",
    "infra_metrics_mp",
    "prometheus_mp",
    "django_404",
    "infra_404",
]
BASE_MW = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def ping(request: Any) -> Any:
    from django.http import JsonResponse

    return JsonResponse({"ok": True, "service": "bench", "items": [1, 2, 3]})


def missing(request: Any) -> Any:
    from django.http import Http404

    raise Http404("no such thing")


def app_missing(request: Any) -> Any:
    from infra_core.errors import NotFoundError

    raise NotFoundError()


def _urls() -> list[Any]:
    from django.urls import path

    return [
        path("ping", ping, name="ping"),
        path("missing", missing, name="missing"),
        path("app-missing", app_missing, name="app-missing"),
    ]


urlpatterns: list[Any] = _urls()


def configure(variant: str) -> None:
    from django.conf import settings

    apps: list[str] = []
    middleware = list(BASE_MW)
    if variant.startswith("infra"):
        apps = ["infra_core"]
    if variant.startswith("infra_metrics"):
        middleware.insert(0, "infra_core.middleware.MetricsMiddleware")
    if variant.startswith("prometheus"):
        apps = ["django_prometheus"]
        middleware = [
            "django_prometheus.middleware.PrometheusBeforeMiddleware",
            *middleware,
            "django_prometheus.middleware.PrometheusAfterMiddleware",
        ]
    if variant == "infra_404":
        middleware.append("infra_core.middleware.ErrorMiddleware")
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="bench.bench_metrics",
        INSTALLED_APPS=apps,
        MIDDLEWARE=middleware,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        LOGGING={"version": 1, "disable_existing_loggers": False},
        LOGGING_CONFIG=None,  # Django's default config would log every 404 to stderr
        USE_TZ=True,
    )


def _sanity(variant: str) -> float:
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    if variant.startswith("infra_metrics"):
        labels = {"route": "ping", "method": "GET", "status": "200"}
        return registry.get_sample_value("infra_core_http_requests_total", labels) or 0.0
    if variant.startswith("prometheus"):
        name = "django_http_requests_total_by_method_total"
        return registry.get_sample_value(name, {"method": "GET"}) or 0.0
    if variant == "infra_404":
        return registry.get_sample_value("infra_core_errors_total", {"code": "not_found"}) or 0.0
    return -1.0


def measure_variant(variant: str) -> dict[str, Any]:
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    configure(variant)
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    app = get_wsgi_application()
    path = {"django_404": "/missing", "infra_404": "/app-missing"}.get(variant, "/ping")
    expected = 404 if variant.endswith("404") else 200
    for _ in range(10):
        assert wsgi_request(app, path) == expected
    sanity = _sanity(variant)
    assert sanity in (-1.0, 10.0), f"{variant}: counter is {sanity} after 10 requests"
    result = time_callable(lambda: wsgi_request(app, path), n=4000, repeats=5, block=500)
    result["variant"] = variant
    result["sanity_count_after_10"] = sanity
    return result


def measure_scrape(generations: int, compacted: bool) -> dict[str, Any]:
    """Time one multiprocess scrape after ``generations`` dead workers (20 series each)."""
    from prometheus_client.mmap_dict import MmapedDict, mmap_key

    from infra_core.metrics.exposition import render
    from infra_core.metrics.multiprocess import compact_dead_worker

    with tempfile.TemporaryDirectory(prefix="bench-scrape-") as mpdir:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = mpdir
        keys = [mmap_key("app_req", "app_req_total", ["route"], [f"r{i}"], "R.") for i in range(20)]
        for pid in range(1000, 1000 + generations):
            db = MmapedDict(f"{mpdir}/counter_{pid}.db")
            for key in keys:
                db.write_value(key, 1.0, 0.0)
            db.close()
            if compacted:
                compact_dead_worker(pid, mpdir)
        result = time_callable(render, n=200, repeats=3, warmup=10, block=50)
    result["files"] = generations if not compacted else 1
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant")
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure_variant(args.variant)))
        return
    # Only the _mp variants may see a multiprocess dir (an inherited one would skew the rest).
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    results: dict[str, dict[str, Any]] = {}
    for variant in VARIANTS:
        with tempfile.TemporaryDirectory(prefix="bench-prom-") as mpdir:
            env = {"PROMETHEUS_MULTIPROC_DIR": mpdir} if variant.endswith("_mp") else {}
            results[variant] = run_variant("bench_metrics.py", variant, env=env)
    results["bare_end"] = run_variant("bench_metrics.py", "bare")
    bare = results["bare"]["fast_us"]
    print("| variant | fast µs/req | median µs/req | Δ fast vs bare µs | p99 µs |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        delta = round(r["fast_us"] - bare, 1)
        print(f"| {name} | {r['fast_us']} | {r['median_us']} | {delta} | {r['p99_us']} |")
    for ours, peer in (("infra_metrics", "prometheus"), ("infra_metrics_mp", "prometheus_mp")):
        d_ours = results[ours]["fast_us"] - bare
        d_peer = results[peer]["fast_us"] - bare
        print(f"{ours} / {peer} overhead ratio: {ratio(d_ours, d_peer)}")
    err = results["infra_404"]["fast_us"] / results["django_404"]["fast_us"]
    print(f"infra_404 / django_404 whole request: {round(err, 2)}")
    for compacted in (False, True):
        r = measure_scrape(200, compacted)
        results[f"scrape_200_generations_{'compacted' if compacted else 'raw'}"] = r
        print(f"scrape after 200 dead workers, compacted={compacted}: fast {r['fast_us']} µs")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
