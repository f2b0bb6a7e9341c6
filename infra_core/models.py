"""Concrete models live in their concern packages and are imported here for Django to find."""

from __future__ import annotations

from infra_core.dashboard.models import Infrastructure  # noqa: F401
from infra_core.health.models import HealthTransition  # noqa: F401
from infra_core.ratelimit.models import RateLimitViolation  # noqa: F401
from infra_core.tasks.models import DeadLetter, TaskRun  # noqa: F401
