"""The Django project of bench/bench_stack.py: bare, the peer stack and infra_core on one view.

``configure(variant)`` sets Django up in this process; gunicorn and uvicorn load
``bench.stack_app:application`` / ``bench.stack_app:asgi`` with the variant in
``BENCH_STACK_VARIANT``. Every variant talks to the same Redis (``INFRA_TEST_REDIS_URL`` or
127.0.0.1:6379/0) through one django-redis ``default`` cache.

Variants (``async`` in ``BENCH_STACK_MODE`` swaps in the async view where the stack allows it):

* ``bare``: Security, Common, XFrameOptions middleware, one JSON view.
* ``peer``: django-prometheus Before (first) / After (last), django-guid, one python-json-logger
  access line per request with django-guid's ``CorrelationId`` filter (to /dev/null), and
  django-ratelimit ``@ratelimit(key="ip", rate=RATE, block=True)`` on django-redis. django-ratelimit
  has no async decorator, so under ASGI the peer view stays sync (Django runs it in a thread).
* ``infra``: RequestID, Metrics, AccessLog (infra_core's JSON line through ``logging_config()``,
  to /dev/null), Error middleware and ``@rate_limit("bench", key="ip", rate=RATE)``.
* ``infra_lease``: ``infra`` with the scope in leased mode (``RATELIMIT_SCOPE_LEASE``, LEASE
  permits per Redis call).
* ``peer_norl`` / ``infra_norl``: the same without the rate limit.
* ``infra_rid``, ``infra_metrics``, ``infra_access``, ``infra_error``, ``infra_rl``: ONE piece of
  infra_core on top of bare (the profile).
"""

from __future__ import annotations

import logging
import logging.config
import os
from typing import Any

REDIS_URL = os.environ.get("INFRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RATE = "1000000/m"  # never reached: every request does the limiter's full work
LEASE = 100  # infra_lease: permits per lease (one Redis call per 100 requests, or per second)
BASE_MW = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
RID = "infra_core.middleware.RequestIDMiddleware"
METRICS = "infra_core.middleware.MetricsMiddleware"
ACCESS = "infra_core.middleware.AccessLogMiddleware"
ERROR = "infra_core.middleware.ErrorMiddleware"
PEER_ONLY_MW = {
    "peer": True,
    "peer_norl": False,
}
INFRA_MW: dict[str, tuple[list[str], list[str], bool]] = {
    # variant: (middleware before BASE_MW, after BASE_MW, @rate_limit on the view)
    "infra": ([RID, METRICS], [ACCESS, ERROR], True),
    "infra_lease": ([RID, METRICS], [ACCESS, ERROR], True),
    "infra_norl": ([RID, METRICS], [ACCESS, ERROR], False),
    "infra_rid": ([RID], [], False),
    "infra_metrics": ([METRICS], [], False),
    "infra_access": ([], [ACCESS], False),
    "infra_error": ([], [ERROR], False),
    "infra_rl": ([], [], True),
}
VARIANTS = ["bare", *PEER_ONLY_MW, *INFRA_MW]


def ping(request: Any) -> Any:
    from django.http import JsonResponse

    return JsonResponse({"ok": True, "service": "bench", "items": [1, 2, 3]})


async def aping(request: Any) -> Any:
    from django.http import JsonResponse

    return JsonResponse({"ok": True, "service": "bench", "items": [1, 2, 3]})


def peer_access_middleware(get_response: Any) -> Any:
    """Log one python-json-logger line per request (what peer users glue together)."""
    from asgiref.sync import iscoroutinefunction, markcoroutinefunction

    logger = logging.getLogger("bench.access")

    def log(request: Any, response: Any) -> None:
        logger.info(
            "request handled",
            extra={"method": request.method, "path": request.path, "status": response.status_code},
        )

    if iscoroutinefunction(get_response):

        async def amiddleware(request: Any) -> Any:
            response = await get_response(request)
            log(request, response)
            return response

        markcoroutinefunction(amiddleware)
        return amiddleware

    def middleware(request: Any) -> Any:
        response = get_response(request)
        log(request, response)
        return response

    return middleware


peer_access_middleware.sync_capable = True  # type: ignore[attr-defined]
peer_access_middleware.async_capable = True  # type: ignore[attr-defined]


def view_for(variant: str, mode: str) -> Any:
    """Return the view of ``variant`` (async in mode ``async`` where the stack has one)."""
    if variant in PEER_ONLY_MW:
        if not PEER_ONLY_MW[variant]:
            return aping if mode == "async" else ping
        from django_ratelimit.decorators import ratelimit

        return ratelimit(key="ip", rate=RATE, block=True)(ping)  # sync only
    view = aping if mode == "async" else ping
    if variant in INFRA_MW and INFRA_MW[variant][2]:
        from infra_core.ratelimit import rate_limit

        return rate_limit("bench", key="ip", rate=RATE)(view)
    return view


def _peer_logging() -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"guid": {"()": "django_guid.log_filters.CorrelationId"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(correlation_id)s %(message)s",
            }
        },
        "handlers": {
            "null": {
                "class": "logging.FileHandler",
                "filename": os.devnull,
                "formatter": "json",
                "filters": ["guid"],
            }
        },
        "loggers": {"bench.access": {"handlers": ["null"], "level": "INFO"}},
    }


def _infra_logging() -> None:
    # The documented way (logging_config()), its stdout handler pointed at /dev/null.
    from infra_core.logging import logging_config

    logging.config.dictConfig(logging_config(json=True, level="INFO"))
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)


def configure(variant: str, mode: str = "sync") -> str:
    """Configure Django for ``variant`` in this process; return the Redis key prefix used."""
    import django
    from django.conf import settings

    if variant not in VARIANTS:
        raise SystemExit(f"unknown variant {variant!r}; choose from {VARIANTS}")
    apps: list[str] = []
    middleware = list(BASE_MW)
    logging_conf: dict[str, Any] | None = {"version": 1, "disable_existing_loggers": False}
    if variant in PEER_ONLY_MW:
        apps = ["django_guid", "django_prometheus"]
        middleware = [
            "django_prometheus.middleware.PrometheusBeforeMiddleware",
            "django_guid.middleware.guid_middleware",
            *BASE_MW,
            "bench.stack_app.peer_access_middleware",
            "django_prometheus.middleware.PrometheusAfterMiddleware",
        ]
        logging_conf = _peer_logging()
    elif variant in INFRA_MW:
        before, after, _ = INFRA_MW[variant]
        apps = ["infra_core"]
        middleware = [*before, *BASE_MW, *after]
        logging_conf = None
    prefix = f"bench-stack-{variant}-{os.getpid()}"
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="bench.stack_app",
        INSTALLED_APPS=apps,
        MIDDLEWARE=middleware,
        DATABASES={},
        CACHES={
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            }
        },
        RATELIMIT_USE_CACHE="default",
        LOGGING_CONFIG="logging.config.dictConfig" if logging_conf else None,
        LOGGING=logging_conf or {},
        USE_TZ=True,
        INFRA_CORE={"RATELIMIT_SCOPE_LEASE": {"bench": LEASE}} if variant == "infra_lease" else {},
        BENCH_STACK=(variant, mode),
    )
    django.setup()
    if logging_conf is None:
        _infra_logging()
    return prefix


_APPS: dict[str, Any] = {}


def _urlpatterns() -> list[Any]:
    from django.conf import settings
    from django.urls import path

    variant, mode = settings.BENCH_STACK
    return [path("ping", view_for(variant, mode), name="ping")]


def __getattr__(name: str) -> Any:
    # Built on first use, after settings: the URLconf, and the apps gunicorn/uvicorn load.
    if name == "urlpatterns":
        return _urlpatterns()
    if name in ("application", "asgi"):
        if name not in _APPS:  # servers may look the name up more than once
            mode = "async" if name == "asgi" else "sync"
            configure(os.environ.get("BENCH_STACK_VARIANT", "bare"), mode)
            if name == "asgi":
                from django.core.asgi import get_asgi_application

                _APPS[name] = get_asgi_application()
            else:
                from django.core.wsgi import get_wsgi_application

                _APPS[name] = get_wsgi_application()
        return _APPS[name]
    raise AttributeError(name)
