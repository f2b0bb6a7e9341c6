"""Checks on the host: disk space and memory, with degraded and failed thresholds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from infra_core.health.base import CheckFailed, CheckWarning, HealthCheck


def _thresholds(warn_percent: float, fail_percent: float) -> tuple[float, float]:
    for label, value in (("warn_percent", warn_percent), ("fail_percent", fail_percent)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100:
            raise ValueError(f"{label} must be a number in (0, 100], not {value!r}")
    if warn_percent > fail_percent:
        raise ValueError(f"warn_percent {warn_percent} is above fail_percent {fail_percent}")
    return float(warn_percent), float(fail_percent)


def _judge(what: str, used: float, warn: float, fail: float) -> str:
    message = f"{what} {used:.1f}% used"
    if used >= fail:
        raise CheckFailed(f"{message} (>= {fail:g}%)")
    if used >= warn:
        raise CheckWarning(f"{message} (>= {warn:g}%)")
    return message


class DiskCheck(HealthCheck):
    """Compare used space on the filesystem holding ``path`` with the thresholds."""

    default_critical = False

    def __init__(
        self,
        *,
        path: str = "/",
        warn_percent: float = 90,
        fail_percent: float = 95,
        **base: Any,
    ) -> None:
        super().__init__(**base)
        self.path = path
        self.warn, self.fail = _thresholds(warn_percent, fail_percent)

    @classmethod
    def default_name(cls, options: dict[str, Any]) -> str:
        return f"disk:{options.get('path', '/')}"

    def check(self) -> str | None:
        usage = shutil.disk_usage(self.path)
        return _judge("disk", usage.used * 100 / usage.total, self.warn, self.fail)


def memory_used_percent() -> float | None:
    """Return system memory in use as a percentage, or None if it cannot be determined."""
    try:
        import psutil

        return float(psutil.virtual_memory().percent)
    except ImportError:
        pass
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        total = int(fields["MemTotal"].split()[0])
        available = int(fields["MemAvailable"].split()[0])
    except (OSError, KeyError, ValueError):
        return None
    return (total - available) * 100 / total if total else None


class MemoryCheck(HealthCheck):
    """Compare system memory in use (psutil, else /proc/meminfo) with the thresholds."""

    default_critical = False

    def __init__(self, *, warn_percent: float = 90, fail_percent: float = 95, **base: Any) -> None:
        super().__init__(**base)
        self.warn, self.fail = _thresholds(warn_percent, fail_percent)

    def check(self) -> str | None:
        used = memory_used_percent()
        if used is None:
            # Unknown is not a pass: report it rather than stay green.
            raise CheckWarning("memory usage unknown (install psutil)")
        return _judge("memory", used, self.warn, self.fail)
