"""Models of the retention tests (tables created directly by the test runner, no migrations)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RetentionLog(models.Model):
    """A plain log table: no signals, no cascades (the single-statement batch path)."""

    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, default="info")

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class RetentionNote(models.Model):
    """A table whose deletes a test observes with a post_delete receiver (the Collector path)."""

    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class RetentionParent(models.Model):
    """Parent rows whose children go with them (on_delete CASCADE)."""

    created_on = models.DateField()

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class RetentionChild(models.Model):
    parent = models.ForeignKey(RetentionParent, on_delete=models.CASCADE, related_name="children")

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class RetentionGuarded(models.Model):
    """Rows referenced with on_delete PROTECT: a retention policy on them is refused (E606)."""

    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class RetentionGuard(models.Model):
    guarded = models.ForeignKey(RetentionGuarded, on_delete=models.PROTECT)

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class RetentionMissing(models.Model):
    """A model whose table does not exist (unmanaged): every batch fails in the database."""

    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "testapp"
        managed = False
        db_table = "testapp_retention_missing_table"

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"
