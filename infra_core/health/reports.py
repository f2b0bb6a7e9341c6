"""Health reports for the views and the command: cached per process, one round in flight."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from infra_core.health.base import CheckResult, Overall, Status
from infra_core.health.conf import (
    HEALTH_CACHE_SECONDS,
    HEALTH_MAX_WORKERS,
    HEALTH_RECORD_TRANSITIONS,
    HEALTH_TIMEOUT,
    HEALTH_VERSION,
)
from infra_core.health.registry import RESET_SETTINGS, HealthConfigError, configured_checks
from infra_core.health.runner import Report, run_checks
from infra_core.metrics.definitions import HEALTH_DURATION, HEALTH_STATUS
from infra_core.observe import observer_failed

logger = logging.getLogger("infra_core.health")
_STARTED = time.monotonic()


class ResultCache:
    """Reuse a report for ``ttl`` seconds; concurrent callers share the one round in flight."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Report]] = {}
        self._inflight: dict[str, threading.Event] = {}

    def get(self, key: str, ttl: float, compute: Callable[[], Report], wait: float) -> Report:
        """Return a fresh cached report or compute one (once, however many callers arrive)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > self._clock():
                return entry[1]
            event = self._inflight.get(key)
            leader = event is None
            if leader:
                event = self._inflight[key] = threading.Event()
        assert event is not None
        if not leader:
            # The leader's round is bounded by the deadline, so this wait is too.
            event.wait(wait)
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None:
                return entry[1]
            return compute()
        try:
            report = compute()
            with self._lock:
                if ttl > 0:
                    self._entries[key] = (self._clock() + ttl, report)
                else:
                    self._entries.pop(key, None)
            return report
        finally:
            with self._lock:
                self._inflight.pop(key, None)
            event.set()

    def clear(self) -> None:
        """Forget every cached report."""
        with self._lock:
            self._entries.clear()


results_cache = ResultCache()


def forget_reports(*, setting: str | None = None, **kwargs: Any) -> None:
    """Forget cached reports when the checks are rebuilt (a ``setting_changed`` receiver).

    A report computed under other settings (other checks, another database) is not this
    configuration's answer, even within ``HEALTH_CACHE_SECONDS``.
    """
    if setting in RESET_SETTINGS:
        results_cache.clear()


def _record(report: Report) -> Report:
    try:
        for result in report.results:
            HEALTH_STATUS.labels(check=result.name).set(1 if result.status.value == "ok" else 0)
            HEALTH_DURATION.labels(check=result.name).observe(result.latency_ms / 1000)
    except Exception as exc:  # observers never break the observed
        observer_failed("health_metrics", exc)
    return report


def get_report(*, critical_only: bool = False, use_cache: bool = True) -> Report:
    """Run the configured checks (readiness: critical and ``on_ready`` ones) or reuse a round."""
    try:
        checks = [c for c in configured_checks() if c.critical or c.on_ready or not critical_only]
    except HealthConfigError:
        # infra_core.E300 reports the details; a probe must still answer, and not with a 500.
        logger.exception("HEALTH_CHECKS is invalid; run manage.py check")
        result = CheckResult(
            "configuration", Status.FAIL, True, 0.0, "HEALTH_CHECKS is invalid (manage.py check)"
        )
        return Report(Overall.UNHEALTHY, (result,))
    deadline = HEALTH_TIMEOUT.value
    workers = HEALTH_MAX_WORKERS.value

    def compute() -> Report:
        report = _record(run_checks(checks, deadline=deadline, max_workers=workers))
        if HEALTH_RECORD_TRANSITIONS.value:
            from infra_core.health.transitions import record

            record(report, pool_size=workers)
        return report

    if not use_cache:
        return compute()
    key = "ready" if critical_only else "health"
    return results_cache.get(key, HEALTH_CACHE_SECONDS.value, compute, deadline + 1.0)


def detail(report: Report, *, draining: bool = False) -> dict[str, Any]:
    """Return the full body an authorized caller sees."""
    body: dict[str, Any] = {
        "status": report.status.value,
        "timestamp": datetime.fromtimestamp(report.checked_at, UTC).isoformat(),
        "uptime_seconds": round(time.monotonic() - _STARTED, 1),
        "duration_ms": round(report.duration_ms, 2),
        "draining": draining,
        "checks": {r.name: r.as_dict() for r in report.results},
    }
    version = HEALTH_VERSION.value
    if version is not None:
        body["version"] = version
    return body
