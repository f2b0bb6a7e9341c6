"""Admin registrations live in their concern packages and are imported here for Django to find."""

from __future__ import annotations

from infra_core.dashboard import admin as dashboard_admin  # noqa: F401
from infra_core.health import admin as health_admin  # noqa: F401
from infra_core.ratelimit import admin as ratelimit_admin  # noqa: F401
from infra_core.tasks import admin as tasks_admin  # noqa: F401
