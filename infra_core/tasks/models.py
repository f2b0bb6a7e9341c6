"""DeadLetter: one row per finally-failed task. TaskRun: a started task with no outcome yet."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from django.db import models
from django.db.models import Q
from django.utils import timezone

from infra_core.querysets import BatchDeleteQuerySet


class DeadLetterQuerySet(BatchDeleteQuerySet["DeadLetter"]):
    def pending(self) -> Self:
        """Return rows nobody has replayed, discarded or resolved yet."""
        return self.filter(status=DeadLetter.Status.PENDING)

    def for_task(self, name: str) -> Self:
        """Return rows of one task name."""
        return self.filter(task_name=name)

    def older_than(self, cutoff: datetime) -> Self:
        """Return rows whose last failure is before ``cutoff``."""
        return self.filter(last_failed_at__lt=cutoff)

    def count_by_task(self) -> dict[str, int]:
        """Return {task name: rows} of this queryset (one GROUP BY query)."""
        rows = self.values_list("task_name").annotate(n=models.Count("id")).order_by()
        return {name: n for name, n in rows}

    def closed(self) -> Self:
        """Return rows that need no more attention (replayed, discarded or resolved)."""
        return self.exclude(status=DeadLetter.Status.PENDING)

    def with_status(self, status: str) -> Self:
        """Return rows in ``status``."""
        return self.filter(status=status)

    def with_exception(self, name: str) -> Self:
        """Return rows whose exception class is ``name``: a dotted path or a bare class name."""
        return self.filter(Q(exception_class=name) | Q(exception_class__endswith=f".{name}"))

    def newer_than(self, cutoff: datetime) -> Self:
        """Return rows whose last failure is at or after ``cutoff``."""
        return self.filter(last_failed_at__gte=cutoff)

    # State changes: each a compare-and-set on ``status = pending``, so of two operators (or a
    # double click) exactly one wins. They return the number of rows changed (0 or 1).
    def claim_replay(self, pk: int, *, actor: str, task_id: str, at: datetime) -> int:
        """Mark pending row ``pk`` replayed as ``task_id`` by ``actor``."""
        return (
            self.pending()
            .filter(pk=pk)
            .update(
                status=DeadLetter.Status.REPLAYED,
                replayed_by=actor[:150],
                replayed_at=at,
                replayed_task_id=task_id,
            )
        )

    def release_replay(self, pk: int, *, task_id: str) -> int:
        """Make row ``pk`` pending again after the broker refused replay ``task_id``."""
        return self.filter(pk=pk, replayed_task_id=task_id).update(
            status=DeadLetter.Status.PENDING, replayed_by="", replayed_at=None, replayed_task_id=""
        )

    def close(self, pk: int, status: str, *, actor: str, note: str = "") -> int:
        """Mark pending row ``pk`` discarded or resolved by ``actor``."""
        if status not in (DeadLetter.Status.DISCARDED, DeadLetter.Status.RESOLVED):
            raise ValueError(f"{status!r} does not close a dead letter")
        changes = {"status": status, "closed_by": actor[:150], "closed_at": timezone.now()}
        return self.pending().filter(pk=pk).update(**changes, note=note)


class DeadLetter(models.Model):
    """A task that failed for good: its payload, its error, and what an operator did about it."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        REPLAYED = "replayed", "replayed"
        DISCARDED = "discarded", "discarded"
        RESOLVED = "resolved", "resolved"

    task_name = models.CharField(max_length=255, db_index=True)
    task_id = models.CharField(max_length=255, unique=True)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    payload_truncated = models.BooleanField(
        default=False, help_text="args/kwargs were larger than DLQ_MAX_PAYLOAD_BYTES"
    )
    payload_redacted = models.BooleanField(
        default=False,
        help_text="secret-named values stored as [REDACTED] (DLQ_REDACT_PAYLOAD)",
    )
    exception_class = models.CharField(max_length=255, db_index=True)
    exception_message = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1, help_text="runs, including the first one")
    queue = models.CharField(max_length=255, blank=True)
    request_id = models.CharField(max_length=128, blank=True, db_index=True)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    replayed_by = models.CharField(
        max_length=150, blank=True, help_text="who replayed it: username or command"
    )
    replayed_at = models.DateTimeField(null=True, blank=True)
    replayed_task_id = models.CharField(max_length=255, blank=True)
    replay_of = models.CharField(
        max_length=255, blank=True, help_text="task id of the dead letter this task replayed"
    )
    closed_by = models.CharField(
        max_length=150, blank=True, help_text="who discarded or resolved it: username or command"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="why it was discarded or resolved")

    objects = DeadLetterQuerySet.as_manager()

    class Meta:
        app_label = "infra_core"
        ordering = ["-last_failed_at", "-id"]
        verbose_name = "dead letter"
        # The dashboard's counts by task and status: an index-only GROUP BY on PostgreSQL.
        indexes = [models.Index(fields=["task_name", "status"], name="infra_core_dl_task_status")]
        permissions = [
            ("replay_deadletter", "Can replay a dead-lettered task"),
            ("discard_deadletter", "Can discard a dead-lettered task"),
            ("resolve_deadletter", "Can mark a dead-lettered task resolved"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}] {self.exception_class} ({self.status})"


class TaskRunQuerySet(models.QuerySet["TaskRun"]):
    def stale(self, cutoff: datetime) -> Self:
        """Return runs that started before ``cutoff`` and never reported an outcome."""
        return self.filter(state=TaskRun.State.RUNNING, started_at__lt=cutoff)


class TaskRun(models.Model):
    """A started InfraTask; deleted when it succeeds or is dead-lettered, kept across retries."""

    class State(models.TextChoices):
        RUNNING = "running", "running"
        WAITING = "waiting", "waiting for a retry"

    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255)
    retries = models.PositiveIntegerField(default=0, help_text="retry number of this attempt")
    deliveries = models.PositiveIntegerField(default=1, help_text="starts of this attempt")
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    payload_truncated = models.BooleanField(default=False)
    payload_redacted = models.BooleanField(default=False)
    queue = models.CharField(max_length=255, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    worker = models.CharField(max_length=255, blank=True, help_text="hostname:pid")
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = TaskRunQuerySet.as_manager()

    class Meta:
        app_label = "infra_core"
        verbose_name = "task run"

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}] try {self.retries} delivery {self.deliveries}"
