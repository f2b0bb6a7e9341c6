"""Run checks concurrently with per-check timeouts and one overall deadline that always holds."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextvars import copy_context
from dataclasses import dataclass, field
from typing import Any

from infra_core import context
from infra_core.health.base import (
    CheckFailed,
    CheckResult,
    CheckWarning,
    HealthCheck,
    Overall,
    Status,
    aggregate,
)
from infra_core.health.pool import get_pool
from infra_core.logging.filters import redact_text

logger = logging.getLogger("infra_core.health")

# A check still running from an earlier round is not started again: a hung dependency then holds
# at most one pool thread per check instead of one per probe.
_inflight: dict[str, Future[Any]] = {}
_inflight_lock = threading.Lock()


@dataclass(frozen=True)
class Report:
    """The result of one round of checks."""

    status: Overall
    results: tuple[CheckResult, ...]
    checked_at: float = field(default_factory=time.time)
    duration_ms: float = 0.0


def execute(check: HealthCheck) -> CheckResult:
    """Run one check in the calling thread and turn its outcome into a result."""
    start = time.perf_counter()
    status, message = Status.OK, ""
    try:
        message = check.check() or ""
    except CheckWarning as exc:
        status, message = Status.WARN, str(exc)
    except CheckFailed as exc:
        status, message = Status.FAIL, str(exc)
    except Exception as exc:
        # The exception text may carry hosts or credentials: logs only (masked), never the body.
        _log_failure(check.name, exc)
        rid = context.get_request_id()
        status, message = Status.FAIL, f"unexpected error (logged with request id {rid})"
    finally:
        _close_thread_connections()
    return CheckResult(check.name, status, check.critical, _ms(start), message)


def _log_failure(name: str, exc: Exception) -> None:
    logger.warning(
        "health check %s raised %s: %s",
        name,
        type(exc).__name__,
        redact_text(str(exc)),
        extra={
            "check": name,
            # Tracebacks bypass the redaction filter, so mask the formatted text here.
            "traceback": redact_text("".join(traceback.format_exception(exc))),
        },
    )


def _close_thread_connections() -> None:
    # Pool threads are long-lived: a connection opened by a check would otherwise stay open.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _submit(check: HealthCheck, size: int) -> Future[Any] | None:
    with _inflight_lock:
        previous = _inflight.get(check.name)
        if previous is not None and not previous.done():
            return None
        # Copied here, in the request thread, so the check's log lines carry the request id.
        ctx = copy_context()
        future = get_pool(size).submit(lambda: ctx.run(execute, check))
        _inflight[check.name] = future
    future.add_done_callback(lambda f: _forget(check.name, f))
    return future


def _forget(name: str, future: Future[Any]) -> None:
    with _inflight_lock:
        if _inflight.get(name) is future:
            del _inflight[name]


def _outcome(future: Future[Any], check: HealthCheck) -> CheckResult:
    try:
        result: CheckResult = future.result()
    except BaseException:  # SystemExit or similar from a custom check: a failure, not a crash
        logger.warning("health check %s aborted", check.name)
        return CheckResult(check.name, Status.FAIL, check.critical, 0.0, "check aborted")
    return result


def run_checks(checks: list[HealthCheck], *, deadline: float, max_workers: int) -> Report:
    """Run ``checks`` concurrently; return within ``deadline`` seconds whatever they do."""
    start = time.perf_counter()
    results: dict[str, CheckResult] = {}
    pending: dict[Future[Any], HealthCheck] = {}
    for check in checks:
        future = _submit(check, max_workers)
        if future is None:
            results[check.name] = CheckResult(
                check.name,
                Status.TIMEOUT,
                check.critical,
                0.0,
                "still running from an earlier probe",
            )
        else:
            pending[future] = check
    # Each pass either collects a finished check or passes some check's deadline: bounded.
    for _ in range(2 * len(checks) + 2):
        if not pending:
            break
        elapsed = time.perf_counter() - start
        limits = {f: min(c.timeout, deadline) for f, c in pending.items()}
        wait_for = max(0.0, min(limits.values()) - elapsed)
        done, _ = wait(list(pending), timeout=wait_for, return_when=FIRST_COMPLETED)
        elapsed = time.perf_counter() - start
        for future in list(pending):
            check = pending[future]
            if future in done or future.done():
                results[check.name] = _outcome(future, check)
                del pending[future]
            elif elapsed >= limits[future]:
                results[check.name] = CheckResult(
                    check.name,
                    Status.TIMEOUT,
                    check.critical,
                    elapsed * 1000,
                    f"timed out after {limits[future]:g}s",
                )
                del pending[future]
    # Never drop a check from the report: a missing result would read as a pass.
    for check in pending.values():
        results[check.name] = CheckResult(
            check.name, Status.TIMEOUT, check.critical, _ms(start), "timed out"
        )
    ordered = tuple(results[c.name] for c in checks if c.name in results)
    return Report(aggregate(ordered), ordered, duration_ms=_ms(start))
