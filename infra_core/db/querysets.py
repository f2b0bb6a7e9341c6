"""BaseQuerySet and BaseManager: the repository methods, composable with a project's own.

``class ArticleQuerySet(BaseQuerySet["Article"]): ...`` then
``objects = BaseManager.from_queryset(ArticleQuerySet)()`` (or ``ArticleQuerySet.as_manager()``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from infra_core.db import pagination
from infra_core.db.audit import current_actor
from infra_core.db.conf import BULK_BATCH_SIZE
from infra_core.db.errors import VersionConflictError
from infra_core.db.mixins import prepare_for_insert, update_defaults
from infra_core.db.ordering import parse_ordering
from infra_core.errors import NotFoundError

M = TypeVar("M", bound=models.Model)


class BaseQuerySet(models.QuerySet[M]):
    """QuerySet with get-by-id, bulk insert, keyset and numbered pages, versioned updates."""

    def get_by_id(self, pk: Any) -> M:
        """Return the row with primary key ``pk``; raise NotFoundError (404), not DoesNotExist."""
        try:
            return self.get(pk=pk)
        except (ObjectDoesNotExist, ValueError, TypeError, DjangoValidationError):
            # A malformed id ("abc" for an integer key) names no row either.
            raise NotFoundError(
                details={"resource": self.model._meta.model_name, "id": str(pk)[:100]}
            ) from None

    def bulk_insert(self, objs: Iterable[M], *, batch_size: int | None = None) -> int:
        """Insert ``objs`` ``batch_size`` rows per INSERT, all or none; return how many.

        Unlike ``bulk_create`` it fills the mixins' fields (timestamps, actor, version, schema
        version) and consumes a generator chunk by chunk, so memory stays bounded.
        """
        size = BULK_BATCH_SIZE.value if batch_size is None else batch_size
        if size < 1:
            raise ValueError(f"batch_size={size!r} must be 1 or more")
        now, actor, inserted = timezone.now(), current_actor(), 0
        iterator = iter(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            while chunk := list(itertools.islice(iterator, size)):
                for obj in chunk:
                    prepare_for_insert(obj, now=now, actor=actor)
                self.bulk_create(chunk, batch_size=size)
                inserted += len(chunk)
        return inserted

    def paginate_cursor(
        self,
        order_by: str | Sequence[str] = ("-pk",),
        after: str | None = None,
        before: str | None = None,
        limit: int | str = 20,
        *,
        cursor: str | None = None,
    ) -> pagination.CursorPage[M]:
        """Return a keyset page in ``order_by`` (the pk appended), after/before a cursor."""
        return pagination.paginate_cursor(
            self, order_by=order_by, after=after, before=before, cursor=cursor, limit=limit
        )

    def paginate_page(
        self, page: int | str = 1, per_page: int | str = 20, *, count: bool = True
    ) -> pagination.Page[M]:
        """Return numbered page ``page`` with ``total`` and ``pages`` (None when not ``count``)."""
        return pagination.paginate_page(self, page, per_page, count=count)

    def cursor_after(self, row: M, order_by: str | Sequence[str] = ("-pk",)) -> str:
        """Return the cursor of the rows that follow ``row`` in ``order_by``."""
        return pagination.cursor_for(self.model, parse_ordering(self.model, order_by), row, "after")

    def update_versioned(self, pk: Any, expected_version: int, **fields: Any) -> int:
        """Update row ``pk`` only if its version is ``expected_version``; return the new version.

        One UPDATE ... WHERE version = expected: a lost race is a VersionConflictError (409)
        naming the current version, a missing row a NotFoundError (404).
        """
        values = {**update_defaults(self.model), **fields, "version": F("version") + 1}
        if self.filter(pk=pk, version=expected_version).update(**values):
            return expected_version + 1
        current = self.filter(pk=pk).values_list("version", flat=True).first()
        if current is None:
            raise NotFoundError(
                details={"resource": self.model._meta.model_name, "id": str(pk)[:100]}
            )
        raise VersionConflictError(current_version=current, expected_version=expected_version)

    def outdated(self) -> Self:
        """Return the rows whose ``schema_version`` is older than the model's SCHEMA_VERSION."""
        current = getattr(self.model, "SCHEMA_VERSION", None)
        if current is None:
            raise TypeError(f"{self.model.__name__} is not a SchemaVersionedModel")
        return self.filter(schema_version__lt=current)


_BaseManager = models.Manager.from_queryset(BaseQuerySet)


class BaseManager(_BaseManager[M]):
    """Manager of BaseQuerySet; ``YourQuerySet.as_manager()`` (a BaseQuerySet) adds your methods."""
