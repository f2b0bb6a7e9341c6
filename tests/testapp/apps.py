from __future__ import annotations

from django.apps import AppConfig


class TestappConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from infra_core.concerns import register
        from tests.testapp.concern import CONCERN

        register(CONCERN)
