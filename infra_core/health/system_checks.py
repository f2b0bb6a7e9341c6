"""System checks for health: infra_core.E300-E339 / W300-W339 (scalars: see conf.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.health.conf import HEALTH_CHECK_TIMEOUT, HEALTH_CHECKS, HEALTH_TIMEOUT
from infra_core.health.probes import CacheCheck, DatabaseCheck, RedisCheck
from infra_core.health.registry import HINT, HealthConfigError, build_checks


def _check_list_messages() -> list[checks.CheckMessage]:
    default_timeout = HEALTH_CHECK_TIMEOUT.default
    if HEALTH_CHECK_TIMEOUT.problem() is None:  # else reported as E301
        default_timeout = HEALTH_CHECK_TIMEOUT.value
    try:
        built = build_checks(HEALTH_CHECKS.raw(), default_timeout=float(default_timeout))
    except HealthConfigError as exc:
        return [
            checks.Error(f"INFRA_CORE['HEALTH_CHECKS']: {exc}.", hint=HINT, id="infra_core.E300")
        ]
    deadline = HEALTH_TIMEOUT.value if HEALTH_TIMEOUT.problem() is None else None
    messages: list[checks.CheckMessage] = []
    for check in built:
        if deadline is not None and check.timeout > deadline:
            messages.append(
                checks.Warning(
                    f"Health check {check.name!r} has timeout {check.timeout:g}s, above "
                    f"HEALTH_TIMEOUT {deadline:g}s: it is always cut at the deadline.",
                    hint="Lower the check's timeout or raise HEALTH_TIMEOUT.",
                    id="infra_core.W300",
                )
            )
    messages.extend(_timeout_warnings(built))
    return messages


def _timeout_warnings(built: list[Any]) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for check in built:
        if isinstance(check, DatabaseCheck):
            conf = settings.DATABASES[check.alias]
            if "postgresql" in conf.get("ENGINE", "") and "connect_timeout" not in conf.get(
                "OPTIONS", {}
            ):
                messages.append(
                    checks.Warning(
                        f"DATABASES[{check.alias!r}] has no OPTIONS['connect_timeout']: "
                        "an unreachable host holds a health thread for minutes.",
                        hint='Add "OPTIONS": {"connect_timeout": 3}.',
                        id="infra_core.W301",
                    )
                )
        alias = getattr(check, "alias", None)
        if isinstance(check, CacheCheck | RedisCheck) and not getattr(check, "url", None):
            cache_conf: dict[str, Any] = getattr(settings, "CACHES", {}).get(str(alias), {})
            options = cache_conf.get("OPTIONS", {})
            if "django_redis" in str(cache_conf.get("BACKEND", "")) and not (
                "SOCKET_TIMEOUT" in options and "SOCKET_CONNECT_TIMEOUT" in options
            ):
                messages.append(
                    checks.Warning(
                        f"CACHES[{alias!r}] (django-redis) lacks SOCKET_TIMEOUT or "
                        "SOCKET_CONNECT_TIMEOUT: a hung Redis holds a health thread "
                        "(and every request) indefinitely.",
                        hint='Add "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, '
                        '"SOCKET_TIMEOUT": 0.5}.',
                        id="infra_core.W302",
                    )
                )
    return messages


def check_health(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """HEALTH_CHECKS builds with the builder the runtime uses; timeouts are bounded."""
    return _check_list_messages()
