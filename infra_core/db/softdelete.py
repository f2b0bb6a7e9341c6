"""Soft delete: ``delete()`` marks a row, ``objects`` hides it, ``all_objects`` shows it."""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from django.db.models import F
from django.utils import timezone

from infra_core.db.mixins import VersionedModel, update_defaults
from infra_core.db.querysets import BaseQuerySet


class SoftDeleteQuerySet(BaseQuerySet[Any]):
    """``delete()`` marks rows deleted; ``hard_delete()`` removes them."""

    def alive(self) -> SoftDeleteQuerySet:
        """Return the rows not marked deleted."""
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> SoftDeleteQuerySet:
        """Return the rows marked deleted."""
        return self.filter(deleted_at__isnull=False)

    def delete(self) -> tuple[int, dict[str, int]]:
        """Mark the rows deleted in one UPDATE (no signals, no cascade); return Django's tuple."""
        values = {**update_defaults(self.model), "deleted_at": timezone.now()}
        if issubclass(self.model, VersionedModel):
            values["version"] = F("version") + 1
        count = self.alive().update(**values)
        return count, {self.model._meta.label: count}

    def hard_delete(self) -> tuple[int, dict[str, int]]:
        """Delete the rows for real (Django's delete: signals, cascades)."""
        return super().delete()

    def restore(self) -> int:
        """Unmark deleted rows; return how many."""
        values: dict[str, Any] = {**update_defaults(self.model), "deleted_at": None}
        if issubclass(self.model, VersionedModel):
            values["version"] = F("version") + 1
        return self.deleted().update(**values)


_SoftDeleteManager = models.Manager.from_queryset(SoftDeleteQuerySet)


class SoftDeleteManager(_SoftDeleteManager[Any]):
    """Manager of SoftDeleteQuerySet (``all_objects``: every row)."""


class AliveManager(_SoftDeleteManager[Any]):
    """Manager of the rows not marked deleted (``objects``)."""

    def get_queryset(self) -> SoftDeleteQuerySet:
        return cast(SoftDeleteQuerySet, super().get_queryset()).alive()


class SoftDeleteModel(models.Model):
    """``delete()`` marks, ``objects`` hides marked rows, ``all_objects`` shows them."""

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects: AliveManager = AliveManager()
    all_objects: SoftDeleteManager = SoftDeleteManager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        """Return True if this row is marked deleted."""
        return self.deleted_at is not None

    def delete(self, using: Any = None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        """Mark this row deleted (one save of ``deleted_at``); related rows are left alone."""
        self.deleted_at = timezone.now()
        self.save(using=using, update_fields=["deleted_at"])
        return 1, {self._meta.label: 1}

    def hard_delete(self, using: Any = None) -> tuple[int, dict[str, int]]:
        """Delete this row for real (Django's delete: signals, cascades)."""
        return super().delete(using=using)

    def restore(self, using: Any = None) -> None:
        """Unmark this row."""
        self.deleted_at = None
        self.save(using=using, update_fields=["deleted_at"])
