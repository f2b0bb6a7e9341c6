from __future__ import annotations

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "example_project.shop"
    label = "shop"
    verbose_name = "Example shop"

    def ready(self) -> None:
        # Web processes and the worker must know the same event handlers (docs/events.md).
        from example_project.shop import handlers  # noqa: F401
