"""System checks for /metrics (E340+/W340+ of the 3xx range; health has E300-E339)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core import checks

from infra_core.metrics.conf import METRICS_ALLOWED_IPS
from infra_core.metrics.multiprocess import MULTIPROC_ENV, multiproc_dir


def _open_allowlist() -> list[Any]:
    if METRICS_ALLOWED_IPS.problem() is not None:
        return []  # reported by the settings check (E341)
    open_nets = [str(n) for n in METRICS_ALLOWED_IPS.value if n.prefixlen == 0]
    if not open_nets:
        return []
    return [
        checks.Warning(
            f"INFRA_CORE['METRICS_ALLOWED_IPS'] contains {open_nets}: /metrics is open to "
            "every client.",
            hint=f"{METRICS_ALLOWED_IPS.hint} Or use METRICS_TOKEN.",
            id="infra_core.W340",
        )
    ]


def _multiproc() -> list[Any]:
    if os.environ.get(MULTIPROC_ENV) == "":
        return [
            checks.Error(
                f"{MULTIPROC_ENV} is set but empty; prometheus_client then writes its .db files "
                "into the current directory.",
                hint="Set it to a dedicated directory, or unset it for single-process servers.",
                id="infra_core.E343",
            )
        ]
    path = multiproc_dir()
    if path and not (Path(path).is_dir() and os.access(path, os.W_OK)):
        return [
            checks.Error(
                f"{MULTIPROC_ENV}={path!r} is not a writable directory; metrics cannot be "
                "recorded in multiprocess mode.",
                hint="Create it before the app starts (infra_core.gunicorn.on_starting does), "
                "or unset the variable for single-process servers.",
                id="infra_core.E343",
            )
        ]
    return []


def _open_views(patterns: Sequence[Any], prefix: str = "", depth: int = 0) -> list[str]:
    from django.urls import URLResolver

    found: list[str] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if depth < 8:  # URLconfs can include each other; never recurse forever
                found += _open_views(entry.url_patterns, prefix + str(entry.pattern), depth + 1)
            continue
        module = getattr(getattr(entry, "callback", None), "__module__", "") or ""
        if module.startswith("django_prometheus"):
            found.append(prefix + str(entry.pattern))
    return found


def _unprotected_exports() -> list[Any]:
    from django.urls import get_resolver

    try:
        routes = _open_views(get_resolver().url_patterns)
    except Exception:  # a broken URLconf is reported by Django's own checks
        return []
    if not routes:
        return []
    return [
        checks.Warning(
            f"django-prometheus's export view is routed at {routes}: it has no access control, "
            "so anyone can read your metrics there.",
            hint='Remove include("django_prometheus.urls"); infra_core\'s protected /metrics '
            "serves the same registry.",
            id="infra_core.W341",
        )
    ]


_METRICS_MIDDLEWARE = frozenset(
    {"infra_core.middleware.MetricsMiddleware", "infra_core.metrics.middleware.MetricsMiddleware"}
)
# May come before MetricsMiddleware: the request id (the metrics' logs carry it) and
# django-prometheus's own outermost timer.
_MAY_PRECEDE = frozenset(
    {
        "infra_core.middleware.RequestIDMiddleware",
        "infra_core.request_id.middleware.RequestIDMiddleware",
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
    }
)


def _middleware_position() -> list[Any]:
    from django.conf import settings

    order = [str(m) for m in getattr(settings, "MIDDLEWARE", None) or []]
    index = next((i for i, m in enumerate(order) if m in _METRICS_MIDDLEWARE), None)
    if index is None:
        return []
    before = [m for m in order[:index] if m not in _MAY_PRECEDE]
    if not before:
        return []
    return [
        checks.Warning(
            f"{order[index]} is at position {index} in MIDDLEWARE, after {before}: their time "
            "and the responses they answer themselves (redirects, 4xx) are not counted.",
            hint="Put it right after infra_core.middleware.RequestIDMiddleware (or first).",
            id="infra_core.W342",
        )
    ]


def check_metrics(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """Allowlist not open to all, multiprocess dir, middleware order; no open metrics route."""
    return [
        *_open_allowlist(),
        *_multiproc(),
        *_middleware_position(),
        *_unprotected_exports(),
    ]
