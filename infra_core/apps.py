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
        # Transitional: concerns not yet described by a CONCERN object.
        from django.core import checks

        from infra_core.checks import CONCERN_CHECKS

        for path in CONCERN_CHECKS:
            checks.register(import_string(path), "infra_core")
        for path in RECEIVERS:
            import_string(path)()


# infra_core's own concerns, each a module with a ``CONCERN = Concern(...)``; order is the order
# of registration and of the system-check report. Adding a concern adds one line here.
CONCERNS: list[str] = [
    "infra_core.concern",
    "infra_core.db.concern",
]

RECEIVERS: list[str] = [
    "infra_core.health.receivers.connect",
    "infra_core.tasks.receivers.connect",
]
