"""Request id + access log: bare Django vs infra_core vs the peer stack, one run.

Variants (each in its own process, same harness):

* ``bare``: SecurityMiddleware, CommonMiddleware, XFrameOptionsMiddleware, one JSON view.
* ``infra_rid``: bare + infra_core RequestIDMiddleware.
* ``infra_rid_access``: bare + RequestIDMiddleware + AccessLogMiddleware writing one JSON line
  per request (infra_core JsonFormatter + context + redaction filters) to /dev/null.
* ``guid``: bare + django-guid middleware (the peer for request ids).
* ``peer_rid_access``: django-guid + one python-json-logger line per request carrying the
  correlation id through django-guid's filter (what users glue together today).

Run: ``python bench/bench_request_id.py`` (all variants, prints a table and JSON).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ratio, run_variant, time_callable, wsgi_request

VARIANTS = ["bare", "infra_rid", "infra_rid_access", "guid", "peer_rid_access"]
BASE_MW = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def ping(request: Any) -> Any:
    from django.http import JsonResponse

    return JsonResponse({"ok": True, "service": "bench", "items": [1, 2, 3]})


def peer_access_middleware(get_response: Any) -> Any:
    logger = logging.getLogger("bench.access")

    def middleware(request: Any) -> Any:
        response = get_response(request)
        logger.info(
            "request handled",
            extra={"method": request.method, "path": request.path, "status": response.status_code},
        )
        return response

    return middleware


def _urls() -> list[Any]:
    from django.urls import path

    return [path("ping", ping, name="ping")]


# ROOT_URLCONF imports this file again as bench.bench_request_id, so the routes live here.
urlpatterns: list[Any] = _urls()


def configure(variant: str) -> None:
    from django.conf import settings

    apps: list[str] = []
    middleware = list(BASE_MW)
    logging_conf: dict[str, Any] = {"version": 1, "disable_existing_loggers": False}
    if variant.startswith("infra"):
        apps = ["infra_core"]
        middleware.insert(0, "infra_core.middleware.RequestIDMiddleware")
    if variant == "infra_rid_access":
        middleware.append("infra_core.middleware.AccessLogMiddleware")
        logging_conf.update(
            filters={
                "ctx": {"()": "infra_core.logging.filters.ContextFilter"},
                "redact": {"()": "infra_core.logging.filters.RedactFilter"},
            },
            formatters={"json": {"()": "infra_core.logging.formatters.JsonFormatter"}},
            handlers={
                "null": {
                    "class": "logging.FileHandler",
                    "filename": os.devnull,
                    "formatter": "json",
                    "filters": ["ctx", "redact"],
                }
            },
            loggers={"infra_core.access": {"handlers": ["null"], "level": "INFO"}},
        )
    if variant in ("guid", "peer_rid_access"):
        apps = ["django_guid"]
        middleware.insert(0, "django_guid.middleware.guid_middleware")
    if variant == "peer_rid_access":
        middleware.append("bench.bench_request_id.peer_access_middleware")
        logging_conf.update(
            filters={"guid": {"()": "django_guid.log_filters.CorrelationId"}},
            formatters={
                "json": {
                    "()": "pythonjsonlogger.json.JsonFormatter",
                    "fmt": "%(asctime)s %(levelname)s %(name)s %(correlation_id)s %(message)s",
                }
            },
            handlers={
                "null": {
                    "class": "logging.FileHandler",
                    "filename": os.devnull,
                    "formatter": "json",
                    "filters": ["guid"],
                }
            },
            loggers={"bench.access": {"handlers": ["null"], "level": "INFO"}},
        )
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="bench.bench_request_id",
        INSTALLED_APPS=apps,
        MIDDLEWARE=middleware,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        LOGGING=logging_conf,
        USE_TZ=True,
    )


def measure_variant(variant: str) -> dict[str, Any]:
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    configure(variant)
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    app = get_wsgi_application()
    assert wsgi_request(app, "/ping") == 200
    result = time_callable(lambda: wsgi_request(app, "/ping"), n=4000, repeats=5, block=500)
    result["variant"] = variant
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant")
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure_variant(args.variant)))
        return
    results = {v: run_variant("bench_request_id.py", v) for v in VARIANTS}
    results["bare_end"] = run_variant("bench_request_id.py", "bare")
    bare = results["bare"]["fast_us"]
    print("| variant | fast µs/req | median µs/req | Δ fast vs bare µs | p99 µs |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        delta = round(r["fast_us"] - bare, 1)
        print(f"| {name} | {r['fast_us']} | {r['median_us']} | {delta} | {r['p99_us']} |")
    d_infra = results["infra_rid"]["fast_us"] - bare
    d_guid = results["guid"]["fast_us"] - bare
    d_infra_acc = results["infra_rid_access"]["fast_us"] - bare
    d_peer_acc = results["peer_rid_access"]["fast_us"] - bare
    print(f"request id overhead ratio infra/guid: {ratio(d_infra, d_guid)}")
    print(f"request id + access line ratio infra/peer: {ratio(d_infra_acc, d_peer_acc)}")
    print(f"infra_rid_access / bare (whole request): {ratio(bare + d_infra_acc, bare)}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
