"""AppConfig: register each concern through the one hook; no settings reads, no I/O."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import import_string


class InfraCoreConfig(AppConfig):
    name = "infra_core"
    verbose_name = "Infrastructure"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from infra_core.concerns import register

        for path in CONCERNS:
            register(import_string(f"{path}.CONCERN"))


# infra_core's own concerns, each a module with a ``CONCERN = Concern(...)``; order is the order
# of registration and of the system-check report. Adding a concern adds one line here.
CONCERNS: list[str] = [
    "infra_core.concern",
    "infra_core.request_id.concern",
    "infra_core.logging.concern",
    "infra_core.errors.concern",
    "infra_core.metrics.concern",
    "infra_core.health.concern",
    "infra_core.tasks.concern",
    "infra_core.events.concern",
    "infra_core.redis.concern",
    "infra_core.ratelimit.concern",
    "infra_core.sentry.concern",
    "infra_core.env.concern",
    "infra_core.cache.concern",
    "infra_core.retention.concern",
    "infra_core.db.concern",
]
