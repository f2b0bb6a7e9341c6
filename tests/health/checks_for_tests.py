"""Health checks used only by the tests (real implementations of the interface, not mocks)."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from infra_core.health import CheckFailed, CheckWarning, HealthCheck

SECRET = "pw-Zx81-secret"


class CountingCheck(HealthCheck):
    """Pass, counting how many times it ran."""

    runs: ClassVar[int] = 0
    lock: ClassVar[threading.Lock] = threading.Lock()

    def check(self) -> str | None:
        with CountingCheck.lock:
            CountingCheck.runs += 1
        return "counted"


class SleepCheck(HealthCheck):
    """Block for ``seconds`` (bounded), like a dependency that does not answer."""

    released: ClassVar[threading.Event] = threading.Event()

    def __init__(self, *, seconds: float = 5.0, **base: Any) -> None:
        super().__init__(**base)
        self.seconds = seconds

    def check(self) -> str | None:
        SleepCheck.released.wait(self.seconds)
        return "slept"


class RaisingCheck(HealthCheck):
    """Raise an unexpected exception whose text carries a secret."""

    def check(self) -> str | None:
        raise RuntimeError(f"connection to db failed password={SECRET}")


class FailCheck(HealthCheck):
    """Fail with a safe message."""

    def check(self) -> str | None:
        raise CheckFailed("dependency down")


class WarnCheck(HealthCheck):
    """Report degraded."""

    default_critical = False

    def check(self) -> str | None:
        raise CheckWarning("running low")


def spec(cls: str, **kw: Any) -> dict[str, Any]:
    """Return a HEALTH_CHECKS entry for one of the classes above."""
    return {"check": f"tests.health.checks_for_tests.{cls}", **kw}


class ExitCheck(HealthCheck):
    """Raise SystemExit, which ``except Exception`` does not catch."""

    def check(self) -> str | None:
        raise SystemExit(3)
