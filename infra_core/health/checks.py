"""System checks for health settings: infra_core.E300-E339 / W300-W339."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.checks import not_a_bool
from infra_core.conf import DEFAULTS, user_settings


def _value(key: str) -> Any:
    return user_settings().get(key, DEFAULTS[key])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_errors() -> list[checks.CheckMessage]:
    rules: list[tuple[str, Callable[[float], bool], str, str]] = [
        ("HEALTH_TIMEOUT", lambda v: v > 0, "a positive number of seconds", "infra_core.E301"),
        (
            "HEALTH_CHECK_TIMEOUT",
            lambda v: v > 0,
            "a positive number of seconds",
            "infra_core.E301",
        ),
        ("HEALTH_CACHE_SECONDS", lambda v: v >= 0, "a number of seconds >= 0", "infra_core.E302"),
        ("HEALTH_DRAIN_SECONDS", lambda v: v >= 0, "a number of seconds >= 0", "infra_core.E306"),
    ]
    errors: list[checks.CheckMessage] = []
    for key, ok, what, check_id in rules:
        value = _value(key)
        if not _is_number(value) or not ok(value):
            errors.append(
                checks.Error(
                    f"INFRA_CORE[{key!r}] = {value!r} is not {what}.",
                    hint=f"e.g. {DEFAULTS[key]!r}",
                    id=check_id,
                )
            )
    workers = _value("HEALTH_MAX_WORKERS")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 64:
        errors.append(
            checks.Error(
                f"INFRA_CORE['HEALTH_MAX_WORKERS'] = {workers!r} is not an int in 1..64.",
                hint="e.g. 8 (one thread per check that may run at once).",
                id="infra_core.E307",
            )
        )
    return errors


def _access_errors() -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    token = _value("HEALTH_TOKEN")
    if token is not None and (not isinstance(token, str) or len(token) < 16):
        length = len(token) if isinstance(token, str) else type(token).__name__
        errors.append(
            checks.Error(
                f"INFRA_CORE['HEALTH_TOKEN'] is set but is not a string of at least 16 "
                f"characters (got {length}).",
                hint="Use a random secret from the environment, or None.",
                id="infra_core.E303",
            )
        )
    errors += not_a_bool("HEALTH_ALLOW_STAFF", _value("HEALTH_ALLOW_STAFF"), "infra_core.E304")
    errors += not_a_bool(
        "HEALTH_RECORD_TRANSITIONS", _value("HEALTH_RECORD_TRANSITIONS"), "infra_core.E309"
    )
    codes = _value("HEALTH_STATUS_CODES")
    valid = isinstance(codes, dict) and set(codes) <= {"healthy", "degraded", "unhealthy"}
    if not valid or not all(
        isinstance(c, int) and not isinstance(c, bool) and 200 <= c <= 599 for c in codes.values()
    ):
        errors.append(
            checks.Error(
                f"INFRA_CORE['HEALTH_STATUS_CODES'] = {codes!r} is invalid.",
                hint='Map "healthy"/"degraded"/"unhealthy" to HTTP codes 200-599, e.g. '
                '{"degraded": 503}.',
                id="infra_core.E305",
            )
        )
    version = _value("HEALTH_VERSION")
    if version is not None and not isinstance(version, str):
        errors.append(
            checks.Error(
                f"INFRA_CORE['HEALTH_VERSION'] = {version!r} is not a string or None.",
                hint='e.g. "1.4.2" or os.environ.get("GIT_SHA").',
                id="infra_core.E308",
            )
        )
    return errors


def _check_list_messages() -> list[checks.CheckMessage]:
    from infra_core.health.registry import HINT, HealthConfigError, build_checks

    default_timeout = _value("HEALTH_CHECK_TIMEOUT")
    if not _is_number(default_timeout) or default_timeout <= 0:
        default_timeout = DEFAULTS["HEALTH_CHECK_TIMEOUT"]
    try:
        built = build_checks(_value("HEALTH_CHECKS"), default_timeout=float(default_timeout))
    except HealthConfigError as exc:
        return [
            checks.Error(f"INFRA_CORE['HEALTH_CHECKS']: {exc}.", hint=HINT, id="infra_core.E300")
        ]
    deadline = _value("HEALTH_TIMEOUT")
    messages: list[checks.CheckMessage] = []
    for check in built:
        if _is_number(deadline) and check.timeout > deadline:
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
    from infra_core.health.probes import CacheCheck, DatabaseCheck, RedisCheck

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
    """Validate every HEALTH_* setting with the parser the runtime uses."""
    return [*_number_errors(), *_access_errors(), *_check_list_messages()]
