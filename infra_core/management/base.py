"""Base class for infra_core's management commands: each run gets its own request id."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from infra_core import context


class InfraCommand(BaseCommand):
    """A BaseCommand whose ``handle`` runs with a fresh request id bound (logs carry it)."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        with context.bind():
            return super().execute(*args, **options)
