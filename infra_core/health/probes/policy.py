"""Which consumers of a cache alias fail closed: they decide whether its check is critical."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CACHE_SESSION_ENGINES = frozenset(
    {"django.contrib.sessions.backends.cache", "django.contrib.sessions.backends.cached_db"}
)


def fail_closed_consumers(alias: str) -> list[str]:
    """Return the consumers of cache ``alias`` that fail (not degrade) while it is down.

    infra_core's own consumers fail open unless configured otherwise: cache-aside computes
    directly and the rate limiter counts per process (``RATELIMIT_FAIL_OPEN``). Sessions kept in
    the cache fail closed: nobody can log in or stay logged in.
    """
    from infra_core.ratelimit.conf import (
        RATELIMIT_CACHE,
        RATELIMIT_ENABLED,
        RATELIMIT_FAIL_OPEN,
        RATELIMIT_SCOPE_FAIL_OPEN,
    )

    consumers: list[str] = []
    engine = getattr(settings, "SESSION_ENGINE", "django.contrib.sessions.backends.db")
    if (
        engine in CACHE_SESSION_ENGINES
        and getattr(settings, "SESSION_CACHE_ALIAS", "default") == alias
    ):
        consumers.append("sessions")
    try:
        limited = RATELIMIT_ENABLED.value and RATELIMIT_CACHE.value == alias
        closed = not RATELIMIT_FAIL_OPEN.value or not all(RATELIMIT_SCOPE_FAIL_OPEN.value.values())
    except ImproperlyConfigured:
        # An invalid RATELIMIT_* value (its own E2xx check names it): assume the worst here.
        limited = closed = True
    if limited and closed:
        consumers.append("rate limiting (fail-closed scopes)")
    return consumers
