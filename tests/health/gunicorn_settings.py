"""Settings for the gunicorn drain test: the suite's settings with a short drain period."""

from __future__ import annotations

from tests.settings import *  # noqa: F403

INFRA_CORE = {
    "HEALTH_CHECKS": ["infra_core.health.probes.DatabaseCheck"],
    "HEALTH_DRAIN_SECONDS": 3.0,
}
