"""One policy's expired rows, walked in ascending primary-key batches (one transaction each)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.db import OperationalError, connections, transaction
from django.db.models import Max, Min, QuerySet
from django.db.models.deletion import Collector
from django.db.models.sql.constants import ROW_COUNT
from django.db.models.sql.subqueries import DeleteQuery

from infra_core.retention import conf
from infra_core.retention.policies import Policy

#: Tries of one batch hit by lock_timeout/statement_timeout; each retry halves the batch.
BATCH_TRIES = 3
_TIMEOUT_STATES = {"55P03", "57014"}  # lock_not_available, query_canceled
_INTEGER_PKS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
}


class Walker:
    """Walk one policy's expired rows in ascending primary-key batches."""

    def __init__(self, policy: Policy, cutoff: datetime, using: str, dry_run: bool) -> None:
        self.policy, self.cutoff, self.using, self.dry_run = policy, cutoff, using, dry_run
        self.connection = connections[using]
        self.last: Any = None
        self.bounds: tuple[int, int] | None = None
        pk = policy.model._meta.pk
        self.integer_pk = pk is not None and pk.get_internal_type() in _INTEGER_PKS
        fast = Collector(using, origin=None).can_fast_delete(policy.model)  # type: ignore[arg-type]
        self.by_range = fast and self.integer_pk and self.connection.vendor == "postgresql"

    def start(self) -> None:
        """Read the table's primary-key range (two index probes) for progress."""
        if self.integer_pk:
            rows = self.policy.model._base_manager.using(self.using)
            with transaction.atomic(using=self.using):  # a failure leaves no broken transaction
                self._set_timeouts()
                found = rows.aggregate(lo=Min("pk"), hi=Max("pk"))
            if found["lo"] is not None:
                self.bounds = (int(found["lo"]), int(found["hi"]))

    def fraction(self, *, done: bool) -> float | None:
        """Return the share of the key range walked."""
        if done:
            return 1.0
        if self.bounds is None or self.last is None:
            return None
        lo, hi = self.bounds
        return min(1.0, (int(self.last) - lo + 1) / (hi - lo + 1))

    def expired(self) -> QuerySet[Any]:
        """Return the expired rows (the age condition every batch statement repeats)."""
        return self.policy.expired(self.cutoff, self.using)

    def batch(self, size: int) -> tuple[int, int, bool]:
        """Take one batch in its own transaction; return (rows, cascaded rows, more to do).

        A batch hit by lock_timeout or statement_timeout is retried as an id batch taken with
        ``FOR UPDATE SKIP LOCKED`` (rows another transaction holds are left for the next run),
        half as big each time.
        """
        by_range = self.by_range
        for attempt in range(BATCH_TRIES):
            try:
                with transaction.atomic(using=self.using):
                    self._set_timeouts()
                    if by_range:
                        return self._range_batch(size)
                    return self._id_batch(size)
            except OperationalError as exc:
                cause = exc.__cause__
                state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
                if state not in _TIMEOUT_STATES or attempt == BATCH_TRIES - 1:
                    raise
                by_range, size = False, max(1, size // 2)
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _set_timeouts(self) -> None:
        if self.connection.vendor != "postgresql":
            return
        lock_ms = int(conf.RETENTION_LOCK_TIMEOUT.value * 1000)
        statement_ms = int(conf.RETENTION_STATEMENT_TIMEOUT.value * 1000)
        # set_config(..., true) is SET LOCAL. synchronous_commit off: a batch commit does not
        # wait for its WAL flush; a crash can only bring back rows the next run deletes again.
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true), "
                "set_config('statement_timeout', %s, true), "
                "set_config('synchronous_commit', 'off', true)",
                [f"{lock_ms}ms", f"{statement_ms}ms"],
            )

    def _after_last(self) -> QuerySet[Any]:
        rows = self.expired().order_by("pk")
        return rows if self.last is None else rows.filter(pk__gt=self.last)

    def _id_batch(self, size: int) -> tuple[int, int, bool]:
        rows = self._after_last()
        if not self.dry_run:
            features = self.connection.features
            of = ("self",) if features.has_select_for_update_of else ()
            skip = features.has_select_for_update_skip_locked
            rows = rows.select_for_update(skip_locked=skip, of=of)
        ids = list(rows.values_list("pk", flat=True)[:size])
        if not ids:
            return 0, 0, False
        total, rows_deleted = len(ids), len(ids)
        if not self.dry_run:
            # QuerySet.delete(): Django's fast path or its Collector (signals, cascades).
            total, per_model = self.expired().filter(pk__in=ids).delete()
            rows_deleted = per_model.get(self.policy.label, 0)
        self.last = ids[-1]  # only once the batch ran: a retried one starts over
        return rows_deleted, total - rows_deleted, len(ids) == size

    def _range_batch(self, size: int) -> tuple[int, int, bool]:
        # A model without signals or cascades, an integer key, PostgreSQL: QuerySet.delete()
        # would run one raw DELETE, and so does this, over the key range [start, start + size)
        # from the next expired row: at most ``size`` rows visited, no ids sent either way.
        start = self._after_last().values_list("pk", flat=True).first()
        if start is None:
            return 0, 0, False
        window = self.expired().filter(pk__gte=start, pk__lt=start + size)
        if self.dry_run:
            rows = window.count()
        else:
            query = window.query.clone()
            query.__class__ = DeleteQuery
            rows = query.get_compiler(self.using).execute_sql(ROW_COUNT)
        self.last = start + size - 1  # only once the batch ran: a retried one starts over
        return int(rows or 0), 0, self._before_end(start, size)

    def _before_end(self, start: int, size: int) -> bool:
        # The range [start, start + size) reached the table's last key when the run began:
        # nothing is left to look at (rows inserted since are left for the next run).
        return self.bounds is None or start + size - 1 < self.bounds[1]
