"""The middleware users list in MIDDLEWARE (a thin facade over the concern packages).

Recommended order::

    MIDDLEWARE = [
        "infra_core.middleware.RequestIDMiddleware",      # first: everything after sees the id
        "infra_core.middleware.MetricsMiddleware",        # early: times everything after it
        "django.middleware.security.SecurityMiddleware",
        ...
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "infra_core.middleware.AccessLogMiddleware",      # after auth: logs the user
        "infra_core.middleware.RateLimitMiddleware",
        "infra_core.middleware.ErrorMiddleware",          # last: sees view exceptions first
    ]
"""

from __future__ import annotations

import importlib
from typing import Any

_LOCATIONS = {
    "RequestIDMiddleware": "infra_core.request_id.middleware",
    "AccessLogMiddleware": "infra_core.logging.access",
    "RateLimitMiddleware": "infra_core.ratelimit.middleware",
    "ErrorMiddleware": "infra_core.errors.middleware",
    "MetricsMiddleware": "infra_core.metrics.middleware",
}

__all__ = sorted(_LOCATIONS)


def __getattr__(name: str) -> Any:
    # Imported on first use so a project that lists only some middleware loads only those.
    try:
        module = _LOCATIONS[name]
    except KeyError:
        raise AttributeError(f"module 'infra_core.middleware' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
