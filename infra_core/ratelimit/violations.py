"""Blocked requests as aggregated ``RateLimitViolation`` rows (``RATELIMIT_RECORD_VIOLATIONS``).

One row per scope, key kind, key digest, plan and minute. A process writes one aggregate at most
once per ``WRITE_INTERVAL``; blocks in between are summed in memory and carried by the next write
of that aggregate (or of any aggregate, for ones that are due), so a flood from one key costs one
UPDATE a second per process, not one per request. Recording is an observer: a database error is
counted and logged, and the 429 goes out regardless.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, router, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Greatest, Least
from django.http import HttpRequest
from django.utils import timezone

from infra_core import context
from infra_core.observe import observer_failed
from infra_core.ratelimit.engine import Decision
from infra_core.ratelimit.keys import digest

#: Seconds between two writes of one aggregate by one process.
WRITE_INTERVAL = 1.0
#: Aggregates one process tracks; beyond it, idle ones are forgotten first.
MAX_TRACKED = 10_000
# Other due aggregates a write carries along: bounds the work one blocked request can do.
_SWEEP = 32
# Keys whose identity is an IP or a user id are shown; header and custom keys may carry secrets.
_SHOWN_KINDS = frozenset({"ip", "user", "user_or_ip"})
_MAX_PATH = 255
_MAX_KIND = 100


@dataclass(frozen=True, slots=True)
class Aggregate:
    """The unique fields of one ``RateLimitViolation`` row."""

    scope: str
    key_kind: str
    key_digest: str
    plan: str
    window_start: datetime


@dataclass(frozen=True, slots=True)
class Batch:
    """Blocks of one aggregate waiting for a write, with the details of the last one."""

    aggregate: Aggregate
    count: int
    first_at: datetime
    last_at: datetime
    key: str = ""
    rate: str = ""
    path: str = ""
    request_id: str = ""

    def merged(self, newer: Batch) -> Batch:
        """Return this batch with ``newer``'s blocks added and its details taking over."""
        return replace(newer, count=self.count + newer.count, first_at=self.first_at)


@dataclass(slots=True)
class _Slot:
    last_write: float
    pending: Batch | None = None


class ViolationRecorder:
    """Per-process write throttle: which batches are due for a database write now."""

    def __init__(
        self,
        *,
        interval: float = WRITE_INTERVAL,
        max_tracked: int = MAX_TRACKED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.max_tracked = max_tracked
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: dict[Aggregate, _Slot] = {}
        self._dirty: dict[Aggregate, None] = {}  # slots with a pending batch, oldest first

    def add(self, batch: Batch) -> list[Batch]:
        """Count ``batch``; return the batches to write now (this one first when it is due)."""
        now = self._clock()
        agg = batch.aggregate
        with self._lock:
            slot = self._slots.get(agg)
            if slot is None:
                if len(self._slots) >= self.max_tracked and not self._forget_idle():
                    return [batch]  # every slot holds a pending count: write through, untracked
                slot = self._slots[agg] = _Slot(last_write=now - self.interval)
            pending = batch if slot.pending is None else slot.pending.merged(batch)
            if now - slot.last_write < self.interval:
                slot.pending = pending
                self._dirty[agg] = None
                return []
            slot.pending, slot.last_write = None, now
            self._dirty.pop(agg, None)
            return [pending, *self._take_due(now)]

    def drain(self) -> list[Batch]:
        """Return every pending batch and forget all state (tests, shutdown)."""
        with self._lock:
            batches = [s.pending for s in self._slots.values() if s.pending is not None]
            self._slots.clear()
            self._dirty.clear()
        return batches

    def _take_due(self, now: float) -> list[Batch]:
        due: list[Batch] = []
        for agg in list(itertools.islice(self._dirty, _SWEEP)):
            slot = self._slots[agg]
            if slot.pending is not None and now - slot.last_write >= self.interval:
                due.append(slot.pending)
                slot.pending, slot.last_write = None, now
                del self._dirty[agg]
        return due

    def _forget_idle(self) -> bool:
        idle = [agg for agg, slot in self._slots.items() if slot.pending is None]
        for agg in idle:
            del self._slots[agg]
        return bool(idle)


RECORDER = ViolationRecorder()


def batch_for(
    request: HttpRequest, decision: Decision, key_kind: str, ident: str, plan: str
) -> Batch:
    """Return the one-block batch describing ``request``'s block."""
    now = timezone.now()
    return Batch(
        aggregate=Aggregate(
            scope=decision.scope,
            key_kind=key_kind[:_MAX_KIND],
            key_digest=digest(ident),
            plan=plan,
            window_start=now.replace(second=0, microsecond=0),
        ),
        count=1,
        first_at=now,
        last_at=now,
        key=ident if key_kind in _SHOWN_KINDS else "",
        rate=f"{decision.limit}/{decision.window}s",
        path=request.path[:_MAX_PATH],
        request_id=context.get_request_id() or "",
    )


def write(batch: Batch) -> None:
    """Add ``batch`` to its row: one UPDATE, an INSERT when the row does not exist yet."""
    from infra_core.ratelimit.models import RateLimitViolation

    db = router.db_for_write(RateLimitViolation)
    rows = RateLimitViolation.objects.using(db)
    unique = {
        "scope": batch.aggregate.scope,
        "key_kind": batch.aggregate.key_kind,
        "key_digest": batch.aggregate.key_digest,
        "plan": batch.aggregate.plan,
        "window_start": batch.aggregate.window_start,
    }
    # Greatest/Least: batches of one minute from several processes may arrive out of order.
    changes = {
        "count": F("count") + batch.count,
        "first_at": Least("first_at", Value(batch.first_at, output_field=DateTimeField())),
        "last_at": Greatest("last_at", Value(batch.last_at, output_field=DateTimeField())),
        "key": batch.key,
        "rate": batch.rate,
        "last_path": batch.path,
        "last_request_id": batch.request_id,
    }
    # A savepoint inside a request's transaction: a failed write must not poison it.
    with transaction.atomic(using=db):
        if rows.filter(**unique).update(**changes):
            return
        try:
            with transaction.atomic(using=db):
                rows.create(
                    **unique,
                    count=batch.count,
                    first_at=batch.first_at,
                    last_at=batch.last_at,
                    key=batch.key,
                    rate=batch.rate,
                    last_path=batch.path,
                    last_request_id=batch.request_id,
                )
        except IntegrityError:  # another process inserted the row since our UPDATE
            rows.filter(**unique).update(**changes)


def record(request: HttpRequest, decision: Decision, key_kind: str, ident: str, plan: str) -> None:
    """Count one blocked request toward its row; never raises (observers never break the 429)."""
    try:
        due = RECORDER.add(batch_for(request, decision, key_kind, ident, plan))
    except Exception as exc:
        observer_failed("ratelimit_violations", exc)
        return
    _write_all(due)


def flush() -> None:
    """Write every count still held in memory (tests; a process about to exit)."""
    _write_all(RECORDER.drain())


def _write_all(batches: list[Batch]) -> None:
    for batch in batches:
        try:
            write(batch)
        except Exception as exc:
            observer_failed("ratelimit_violations", exc)
