"""AppConfig: register checks and signal receivers; no settings reads, no I/O."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.utils.module_loading import import_string


class InfraCoreConfig(AppConfig):
    name = "infra_core"
    verbose_name = "Infrastructure"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from infra_core.checks import CONCERN_CHECKS

        for path in CONCERN_CHECKS:
            checks.register(import_string(path), "infra_core")
        for path in RECEIVERS:
            import_string(path)()


# Zero-argument callables that connect a concern's signal receivers (Celery hooks included).
RECEIVERS: list[str] = [
    "infra_core.health.receivers.connect",
    "infra_core.tasks.receivers.connect",
]
