"""The health-check interface: a check class, its result, and the overall status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar


class Status(StrEnum):
    """Outcome of one check run."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    TIMEOUT = "timeout"


class Overall(StrEnum):
    """Aggregate status of a round of checks."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


class CheckFailed(Exception):
    """Raise from ``HealthCheck.check()`` to fail with a message that is safe to show."""


class CheckWarning(Exception):
    """Raise from ``HealthCheck.check()`` to report a degraded state with a safe message."""


class HealthCheck:
    """Base class for a check: implement ``check()``; return an optional safe message."""

    # Used when the settings entry gives no "critical"; subclasses override.
    default_critical: ClassVar[bool] = True
    # /ready/ runs the critical checks and these (a request-path dependency: its failure makes
    # readiness "degraded" even when the check is not critical).
    on_ready: ClassVar[bool] = False

    def __init__(self, *, name: str, critical: bool, timeout: float) -> None:
        self.name = name
        self.critical = critical
        self.timeout = timeout

    @classmethod
    def default_name(cls, options: dict[str, Any]) -> str:
        """Return the check's name when the settings entry does not give one."""
        return cls.__name__.removesuffix("Check").lower()

    @classmethod
    def critical_default(cls, options: dict[str, Any]) -> bool:
        """Return whether an instance with ``options`` is critical when its entry does not say."""
        return cls.default_critical

    @classmethod
    def expand(cls, options: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Return ``(default name, options)`` per instance one settings entry creates."""
        return [(cls.default_name(options), options)]

    def check(self) -> str | None:
        """Probe the dependency within ``self.timeout`` seconds; raise to fail."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


@dataclass(frozen=True)
class CheckResult:
    """What one check reported (message is always safe to show to an authorized caller)."""

    name: str
    status: Status
    critical: bool
    latency_ms: float
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form used in response bodies and ``--json`` output."""
        return {
            "status": self.status.value,
            "critical": self.critical,
            "latency_ms": round(self.latency_ms, 2),
            "message": self.message,
        }


def aggregate(results: list[CheckResult] | tuple[CheckResult, ...]) -> Overall:
    """Return unhealthy if a critical check failed, degraded if any other did not pass."""
    overall = Overall.HEALTHY
    for result in results:
        if result.status is Status.OK:
            continue
        if result.critical and result.status is not Status.WARN:
            return Overall.UNHEALTHY
        overall = Overall.DEGRADED
    return overall
