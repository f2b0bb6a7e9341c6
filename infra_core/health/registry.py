"""Build the configured checks from ``HEALTH_CHECKS`` (the same parser serves the system check)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from django.utils.module_loading import import_string

from infra_core.health.base import HealthCheck
from infra_core.health.conf import HEALTH_CHECK_TIMEOUT, HEALTH_CHECKS

SPEC_KEYS = frozenset({"check", "name", "critical", "timeout", "options"})
HINT = (
    'Each entry is a dotted path or {"check": "<dotted.path>", "name": str, "critical": bool, '
    '"timeout": seconds, "options": {...}}; see docs/health.md.'
)


class HealthConfigError(ValueError):
    """A ``HEALTH_CHECKS`` entry is malformed; the message names the entry and the problem."""


def build_checks(specs: Any, *, default_timeout: float) -> list[HealthCheck]:
    """Return check instances for ``specs``; raise ``HealthConfigError`` naming a bad entry."""
    if not isinstance(specs, list | tuple):
        raise HealthConfigError(f"HEALTH_CHECKS = {specs!r} is not a list")
    checks: list[HealthCheck] = []
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        for check in _build_one(index, spec, default_timeout):
            if check.name in seen:
                raise HealthConfigError(
                    f"HEALTH_CHECKS[{index}]: the name {check.name!r} is used twice "
                    '(give one entry a distinct "name")'
                )
            seen.add(check.name)
            checks.append(check)
    return checks


def _build_one(index: int, spec: Any, default_timeout: float) -> list[HealthCheck]:
    where = f"HEALTH_CHECKS[{index}] = {spec!r}"
    if isinstance(spec, str):
        spec = {"check": spec}
    if not isinstance(spec, Mapping) or not isinstance(spec.get("check"), str):
        raise HealthConfigError(f"{where}: needs a dotted path string or a dict with 'check'")
    unknown = sorted(set(spec) - SPEC_KEYS)
    if unknown:
        raise HealthConfigError(f"{where}: unknown key(s) {unknown}")
    try:
        cls = import_string(spec["check"])
    except ImportError as exc:
        raise HealthConfigError(f"{where}: cannot import {spec['check']!r} ({exc})") from None
    if not (isinstance(cls, type) and issubclass(cls, HealthCheck)):
        raise HealthConfigError(f"{where}: {spec['check']!r} is not a HealthCheck subclass")
    critical = spec.get("critical")
    if critical is not None and not isinstance(critical, bool):
        raise HealthConfigError(f"{where}: 'critical' must be a bool, not {critical!r}")
    timeout = spec.get("timeout", default_timeout)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise HealthConfigError(f"{where}: 'timeout' must be a positive number, not {timeout!r}")
    options = spec.get("options", {})
    if not isinstance(options, Mapping):
        raise HealthConfigError(f"{where}: 'options' must be a dict, not {options!r}")
    name = spec.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise HealthConfigError(f"{where}: 'name' must be a non-empty string, not {name!r}")
    instances = cls.expand(dict(options))
    built: list[HealthCheck] = []
    for default_name, opts in instances:
        label = name if name and len(instances) == 1 else default_name
        try:
            crit = cls.critical_default(opts) if critical is None else critical
            built.append(cls(name=label, critical=crit, timeout=float(timeout), **opts))
        except (TypeError, ValueError) as exc:
            raise HealthConfigError(f"{where}: bad options: {exc}") from None
    return built


_cache: dict[str, list[HealthCheck]] = {}
_cache_lock = threading.Lock()


def configured_checks() -> list[HealthCheck]:
    """Return the checks from settings, built once until settings change."""
    with _cache_lock:
        if "all" not in _cache:
            _cache["all"] = build_checks(
                HEALTH_CHECKS.value, default_timeout=HEALTH_CHECK_TIMEOUT.value
            )
        return _cache["all"]


#: The settings whose change rebuilds the checks (and forgets cached reports); None: any.
RESET_SETTINGS = frozenset(
    {None, "INFRA_CORE", "DATABASES", "CACHES", "SESSION_ENGINE", "SESSION_CACHE_ALIAS"}
)


def reset(*, setting: str | None = None, **kwargs: Any) -> None:
    """Forget built checks (a ``setting_changed`` receiver)."""
    if setting in RESET_SETTINGS:
        with _cache_lock:
            _cache.clear()
