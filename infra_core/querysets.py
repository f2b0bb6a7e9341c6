"""QuerySet behaviour shared by infra_core's own tables (dead letters, rate-limit violations)."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


class BatchDeleteQuerySet(models.QuerySet[M]):
    def delete_in_batches(self, batch_size: int = 1000) -> int:
        """Delete these rows ``batch_size`` ids per DELETE; return how many went.

        Short statements keep locks short on big tables. Each DELETE re-applies this queryset's
        filters, so a row that changed meanwhile (e.g. a failed replay back to pending) stays.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be 1 or more")
        deleted = 0
        while ids := list(self.order_by("pk").values_list("pk", flat=True)[:batch_size]):
            deleted += self.filter(pk__in=ids).delete()[0]
        return deleted
