"""RateLimitViolation: blocked requests, one row per scope, key, plan and minute (if enabled)."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from django.db import models
from django.utils import timezone

from infra_core.querysets import BatchDeleteQuerySet


class RateLimitViolationQuerySet(BatchDeleteQuerySet["RateLimitViolation"]):
    def for_scope(self, scope: str) -> Self:
        """Return rows of one scope."""
        return self.filter(scope=scope)

    def for_digest(self, digest: str) -> Self:
        """Return rows of one client key digest (the ``ratelimit_key_digest`` of the log event)."""
        return self.filter(key_digest=digest)

    def older_than(self, cutoff: datetime) -> Self:
        """Return rows whose last block is before ``cutoff``."""
        return self.filter(last_at__lt=cutoff)


class RateLimitViolation(models.Model):
    """Requests of one client key blocked in one scope, plan and minute (a flood is one row)."""

    scope = models.CharField(max_length=100, db_index=True)
    key_kind = models.CharField(max_length=100, help_text='the key spec, e.g. "ip" or "user"')
    key = models.CharField(
        max_length=100,
        blank=True,
        help_text="ip/user identity; empty for header and custom keys",
    )
    key_digest = models.CharField(
        max_length=32, db_index=True, help_text="stable hash of the identity, as in the log event"
    )
    plan = models.CharField(max_length=64, blank=True)
    window_start = models.DateTimeField(help_text="the minute these blocks fell in")
    rate = models.CharField(max_length=32, blank=True, help_text="limit/window of the last block")
    count = models.PositiveBigIntegerField(default=0)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_path = models.CharField(max_length=255, blank=True)
    last_request_id = models.CharField(max_length=128, blank=True, db_index=True)

    objects = RateLimitViolationQuerySet.as_manager()

    class Meta:
        app_label = "infra_core"
        ordering = ["-last_at", "-id"]
        verbose_name = "rate-limit violation"
        # The dashboard's blocks by scope and hour over a window: a range scan that covers
        # scope and count (index-only on PostgreSQL). Not INCLUDE: SQLite warns (models.W040).
        indexes = [
            models.Index(fields=["window_start", "scope", "count"], name="infra_core_rlv_window")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key_kind", "key_digest", "plan", "window_start"],
                name="infra_core_rlviolation_aggregate",
            )
        ]

    def __str__(self) -> str:
        who = self.key or self.key_digest
        return f"{self.scope} {self.key_kind}={who} x{self.count} at {self.window_start:%H:%M}"
