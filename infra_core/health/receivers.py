"""Signal receivers for health (listed in ``infra_core.apps.RECEIVERS``)."""

from __future__ import annotations


def connect() -> None:
    """Rebuild the configured checks whenever INFRA_CORE, DATABASES or CACHES change."""
    from django.core.signals import setting_changed

    from infra_core.health.registry import reset

    setting_changed.connect(reset, dispatch_uid="infra_core.health.registry.reset")
