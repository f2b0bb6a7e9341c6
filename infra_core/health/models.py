"""Health status transitions, recorded when ``HEALTH_RECORD_TRANSITIONS`` is on (not per probe)."""

from __future__ import annotations

from typing import Self

from django.db import models
from django.utils import timezone


class HealthTransitionQuerySet(models.QuerySet["HealthTransition"]):
    def for_check(self, name: str) -> Self:
        """Return transitions of one check."""
        return self.filter(check_name=name)

    def failures(self) -> Self:
        """Return transitions into a non-ok status."""
        return self.exclude(status="ok")


class HealthTransition(models.Model):
    """One check changed status in one process."""

    check_name = models.CharField(max_length=100, db_index=True)
    previous = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16)
    message = models.CharField(max_length=255, blank=True)
    process = models.CharField(max_length=100, help_text="host:pid that observed the change")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = HealthTransitionQuerySet.as_manager()

    class Meta:
        app_label = "infra_core"
        ordering = ["-at", "-id"]
        verbose_name = "health transition"

    def __str__(self) -> str:
        return f"{self.check_name}: {self.previous or '-'} -> {self.status}"
