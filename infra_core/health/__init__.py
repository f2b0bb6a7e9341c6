"""Health probes: /live/, /ready/, /health/ that answer within a deadline whatever checks do.

Write a check by subclassing ``HealthCheck`` and naming it in ``INFRA_CORE["HEALTH_CHECKS"]``;
see docs/health.md.
"""

from __future__ import annotations

from infra_core.health.base import (
    CheckFailed,
    CheckResult,
    CheckWarning,
    HealthCheck,
    Overall,
    Status,
)
from infra_core.health.drain import is_draining, start_draining, stop_draining

__all__ = [
    "CheckFailed",
    "CheckResult",
    "CheckWarning",
    "HealthCheck",
    "Overall",
    "Status",
    "is_draining",
    "start_draining",
    "stop_draining",
]
