"""Abstract model mixins: timestamps, audit actors, optimistic locking, soft delete, schema version.

Each overrides ``save()`` cooperatively (``super().save()``), so they combine in any order; with
``save(update_fields=[...])`` each adds its own fields, so a partial save still bumps the version
and the audit columns.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone

from infra_core.db.audit import MAX_ACTOR_LENGTH, current_actor
from infra_core.db.errors import VersionConflictError


def _with(kwargs: dict[str, Any], *names: str) -> None:
    fields: Iterable[str] | None = kwargs.get("update_fields")
    if fields is not None:
        kwargs["update_fields"] = {*fields, *names}


class TimestampedModel(models.Model):
    """``created_at`` (set once) and ``updated_at`` (every save)."""

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = timezone.now()
        _with(kwargs, "updated_at")
        super().save(*args, **kwargs)


class AuditedModel(models.Model):
    """``created_by`` / ``updated_by``: the context's actor (user pk as text, or a label)."""

    created_by = models.CharField(max_length=MAX_ACTOR_LENGTH, blank=True, default="",
                                  editable=False)  # fmt: skip
    updated_by = models.CharField(max_length=MAX_ACTOR_LENGTH, blank=True, default="",
                                  editable=False)  # fmt: skip

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        actor = current_actor()
        if self._state.adding and not self.created_by:
            self.created_by = actor
        self.updated_by = actor
        _with(kwargs, "updated_by")
        super().save(*args, **kwargs)


class VersionedModel(models.Model):
    """Optimistic locking: ``version`` goes up by one per save; a stale save is a 409."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            super().save(*args, **kwargs)
            return
        read = self.version
        _with(kwargs, "version")
        self._infra_expected_version = read
        self.version = read + 1
        try:
            super().save(*args, **kwargs)
        except BaseException:
            self.version = read  # nothing was written: the instance still holds what it read
            raise
        finally:
            del self._infra_expected_version

    def _do_update(self, base_qs: Any, *args: Any) -> Any:
        # Django's save() calls this for the UPDATE; its signature differs across versions.
        expected = getattr(self, "_infra_expected_version", None)
        if expected is None:
            return super()._do_update(base_qs, *args)
        # The version check and the write are one UPDATE: no window between them.
        updated = super()._do_update(base_qs.filter(version=expected), *args)
        if updated:
            return updated
        pk_val = args[1]
        current = base_qs.filter(pk=pk_val).values_list("version", flat=True).first()
        raise VersionConflictError(current_version=current, expected_version=expected)


class SchemaVersionedModel(models.Model):
    """``schema_version``: the layout version a row was written with (for lazy data upgrades)."""

    #: Bump when the shape of the row's data changes; ``objects.outdated()`` finds older rows.
    SCHEMA_VERSION: ClassVar[int] = 1

    schema_version = models.PositiveSmallIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            self.schema_version = type(self).SCHEMA_VERSION
        super().save(*args, **kwargs)


def update_defaults(model: type[models.Model]) -> dict[str, Any]:
    """Return the audit values a bulk ``update()`` of ``model`` rows should also set."""
    values: dict[str, Any] = {}
    if issubclass(model, TimestampedModel):
        values["updated_at"] = timezone.now()
    if issubclass(model, AuditedModel):
        values["updated_by"] = current_actor()
    return values


def prepare_for_insert(obj: models.Model, *, now: datetime.datetime, actor: str) -> None:
    """Fill what the mixins' ``save()`` would have (bulk inserts call no ``save()``)."""
    if isinstance(obj, TimestampedModel):
        obj.updated_at = now
    if isinstance(obj, AuditedModel):
        obj.created_by = obj.created_by or actor
        obj.updated_by = actor
    if isinstance(obj, SchemaVersionedModel):
        obj.schema_version = type(obj).SCHEMA_VERSION
    if isinstance(obj, VersionedModel):
        obj.version = 1
