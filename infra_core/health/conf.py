"""Settings of the health endpoints (E300-E339)."""

from __future__ import annotations

from typing import Any

from infra_core.conf import Setting, SettingError
from infra_core.parsers import anything, boolean, integer, number, optional, string, token

STATUSES = ("healthy", "degraded", "unhealthy")
DEFAULT_STATUS_CODES = {"healthy": 200, "degraded": 200, "unhealthy": 503}


def status_codes(value: Any) -> dict[str, int]:
    """A dict of overall status -> HTTP code 200-599, merged over the defaults."""
    if not isinstance(value, dict) or not set(value) <= set(STATUSES):
        raise SettingError("is invalid")
    for code in value.values():
        if not isinstance(code, int) or isinstance(code, bool) or not 200 <= code <= 599:
            raise SettingError("is invalid")
    return {**DEFAULT_STATUS_CODES, **value}


SECONDS = "a positive number of seconds"

HEALTH_CHECKS: Setting[Any] = Setting(
    "HEALTH_CHECKS",
    [
        "infra_core.health.probes.DatabaseCheck",
        "infra_core.health.probes.CacheCheck",
        "infra_core.health.probes.MigrationsCheck",
        "infra_core.health.probes.DiskCheck",
        "infra_core.health.probes.MemoryCheck",
    ],
    anything,  # built by infra_core.health.registry.build_checks (E300 uses it too)
    'Health checks: dotted paths or {"check", "name", "critical", "timeout", "options"} dicts.',
)
HEALTH_TIMEOUT: Setting[float] = Setting(
    "HEALTH_TIMEOUT",
    2.0,
    number(positive=True),
    "Overall deadline in seconds: /health/ and /ready/ answer within it whatever the checks do.",
    "infra_core.E301",
    "e.g. 2.0",
)
HEALTH_CHECK_TIMEOUT: Setting[float] = Setting(
    "HEALTH_CHECK_TIMEOUT",
    1.0,
    number(positive=True),
    "Per-check timeout in seconds for entries that give none.",
    "infra_core.E301",
    "e.g. 1.0",
)
HEALTH_CACHE_SECONDS: Setting[float] = Setting(
    "HEALTH_CACHE_SECONDS",
    2.0,
    number(0),
    "Seconds a round of results is reused (per process): a probe storm costs one round. 0: off.",
    "infra_core.E302",
    "e.g. 2.0",
)
HEALTH_TOKEN: Setting[str | None] = Setting(
    "HEALTH_TOKEN",
    None,
    token(16),
    "Bearer token (>= 16 chars) that sees per-check detail; None: only staff (if allowed) do.",
    "infra_core.E303",
    "Use a random secret from the environment, or None.",
    secret=True,
)
HEALTH_ALLOW_STAFF: Setting[bool] = Setting(
    "HEALTH_ALLOW_STAFF",
    True,
    boolean,
    "Logged-in active staff users see per-check detail.",
    "infra_core.E304",
)
HEALTH_STATUS_CODES: Setting[dict[str, int]] = Setting(
    "HEALTH_STATUS_CODES",
    DEFAULT_STATUS_CODES,
    status_codes,
    "HTTP status per overall status.",
    "infra_core.E305",
    'Map "healthy"/"degraded"/"unhealthy" to HTTP codes 200-599, e.g. {"degraded": 503}.',
)
HEALTH_DRAIN_SECONDS: Setting[float] = Setting(
    "HEALTH_DRAIN_SECONDS",
    5.0,
    number(0),
    "After SIGTERM (gunicorn hook) /ready/ answers 503 for this long before the worker stops.",
    "infra_core.E306",
    "e.g. 5.0",
)
HEALTH_MAX_WORKERS: Setting[int] = Setting(
    "HEALTH_MAX_WORKERS",
    8,
    integer(1, 64),
    "Threads that run checks, per process (a hung check holds at most one of them).",
    "infra_core.E307",
    "e.g. 8 (one thread per check that may run at once).",
)
HEALTH_VERSION: Setting[str | None] = Setting(
    "HEALTH_VERSION",
    None,
    optional(string(empty=True)),
    "Version string shown to authorized callers; None: omitted.",
    "infra_core.E308",
    'e.g. "1.4.2" or os.environ.get("GIT_SHA").',
)
HEALTH_RECORD_TRANSITIONS: Setting[bool] = Setting(
    "HEALTH_RECORD_TRANSITIONS",
    False,
    boolean,
    "Store a row when a check changes status (per process, never per probe); for the admin.",
    "infra_core.E309",
)

SETTINGS = (
    HEALTH_CHECKS,
    HEALTH_TIMEOUT,
    HEALTH_CHECK_TIMEOUT,
    HEALTH_CACHE_SECONDS,
    HEALTH_TOKEN,
    HEALTH_ALLOW_STAFF,
    HEALTH_STATUS_CODES,
    HEALTH_DRAIN_SECONDS,
    HEALTH_MAX_WORKERS,
    HEALTH_VERSION,
    HEALTH_RECORD_TRANSITIONS,
)
