"""TaskRun bookkeeping: count deliveries of an attempt, remember first failures, sweep the lost."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from infra_core.tasks import dlq
from infra_core.tasks.conf import DLQ_DATABASE
from infra_core.tasks.models import DeadLetter, TaskRun
from infra_core.tasks.payload import stored_payload

POISON = "infra_core.tasks.PoisonTaskError"
LOST = "infra_core.tasks.WorkerLostError"


@dataclass(frozen=True)
class Started:
    """What :func:`start` learnt: how often this attempt was delivered, when it first failed."""

    deliveries: int
    first_failed_at: datetime | None


def start(
    *,
    task_id: str,
    task_name: str,
    retries: int,
    args: Any,
    kwargs: Any,
    queue: str,
    request_id: str,
    worker: str,
    using: str | None = None,
) -> Started:
    """Upsert the run of ``task_id`` and count this delivery of retry number ``retries``."""
    alias = using or DLQ_DATABASE.value
    payload = stored_payload(args, kwargs)
    values = {
        "task_name": task_name[:255],
        "args": payload.args,
        "kwargs": payload.kwargs,
        "payload_truncated": payload.truncated,
        "payload_redacted": payload.redacted,
        "queue": queue[:255],
        "request_id": request_id[:128],
        "worker": worker[:255],
        "state": TaskRun.State.RUNNING,
        "started_at": timezone.now(),
    }
    connection = connections[alias]
    if _can_upsert(connection):
        return _upsert(connection, task_id=task_id, retries=retries, values=values)
    with transaction.atomic(using=alias):
        run, created = (
            TaskRun.objects.using(alias)
            .select_for_update()
            .get_or_create(task_id=task_id, defaults={**values, "retries": retries})
        )
        if not created:
            run.deliveries = run.deliveries + 1 if run.retries == retries else 1
            run.retries = retries
            for key, value in values.items():
                setattr(run, key, value)
            run.save(using=alias)
    return Started(deliveries=run.deliveries, first_failed_at=run.first_failed_at)


def _can_upsert(connection: BaseDatabaseWrapper) -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)


def _upsert(
    connection: BaseDatabaseWrapper, *, task_id: str, retries: int, values: dict[str, Any]
) -> Started:
    # One round trip instead of the ORM's SELECT FOR UPDATE + INSERT/UPDATE in a transaction:
    # this runs at the start of every task. SET expressions see the row as it was before.
    meta = TaskRun._meta
    row = {"task_id": task_id, "retries": retries, "deliveries": 1, **values}
    names = list(row)
    fields = {f.name: f for f in meta.concrete_fields}
    params = [fields[name].get_db_prep_save(row[name], connection) for name in names]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    deliveries, retries_col = quote("deliveries"), quote("retries")
    updates = ", ".join(
        f"{quote(name)} = excluded.{quote(name)}" for name in names if name not in _KEEP
    )
    # Only quoted model column names are interpolated; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(names))}) "
        f"ON CONFLICT ({quote('task_id')}) DO UPDATE SET "
        f"{deliveries} = CASE WHEN {table}.{retries_col} = excluded.{retries_col} "
        f"THEN {table}.{deliveries} + 1 ELSE 1 END, {updates} "
        f"RETURNING {deliveries}, {quote('first_failed_at')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        deliveries, first_failed_at = cursor.fetchone()
    if isinstance(first_failed_at, str):  # SQLite hands back text or a naive UTC datetime
        first_failed_at = parse_datetime(first_failed_at)
    if first_failed_at is not None and first_failed_at.tzinfo is None and settings.USE_TZ:
        first_failed_at = first_failed_at.replace(tzinfo=UTC)
    return Started(deliveries=int(deliveries), first_failed_at=first_failed_at)


# Columns an upsert never overwrites: the key, the delivery count (computed) and the first failure.
_KEEP = frozenset({"task_id", "deliveries", "first_failed_at"})


def first_failed_at(task_id: str, *, using: str | None = None) -> datetime | None:
    """Return when the run of ``task_id`` first failed (None: it never retried, or no row)."""
    runs = TaskRun.objects.using(using or DLQ_DATABASE.value).filter(task_id=task_id)
    return runs.values_list("first_failed_at", flat=True).first()


def waiting(task_id: str, *, using: str | None = None) -> None:
    """Mark the run as waiting for its retry and remember when it first failed."""
    alias = using or DLQ_DATABASE.value
    runs = TaskRun.objects.using(alias).filter(task_id=task_id)
    runs.filter(first_failed_at__isnull=True).update(first_failed_at=timezone.now())
    runs.update(state=TaskRun.State.WAITING)


def finish(task_id: str, *, resolve_swept: bool = False, using: str | None = None) -> None:
    """Forget the run of ``task_id`` (it succeeded or was dead-lettered).

    ``resolve_swept`` (a success of a redelivered message) also resolves the dead letter
    :func:`sweep` wrote if the "lost" task came back after all (the broker restored its message
    once the visibility timeout passed). First deliveries skip that query.
    """
    alias = using or DLQ_DATABASE.value
    connection = connections[alias]
    # One statement: QuerySet.delete() would first SELECT the rows whenever any app listens to
    # pre/post_delete without a sender, and this runs after every task.
    table = connection.ops.quote_name(TaskRun._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE task_id = %s", [task_id])  # noqa: S608
    if resolve_swept:
        DeadLetter.objects.using(alias).pending().filter(
            task_id=task_id, exception_class=LOST
        ).update(
            status=DeadLetter.Status.RESOLVED,
            closed_by="infra_core",
            closed_at=timezone.now(),
            note="the task was redelivered and succeeded after it had been swept",
        )


def sweep(*, older_than: float | None = None, using: str | None = None) -> list[DeadLetter]:
    """Dead-letter every run that started ``older_than`` seconds ago and never finished.

    Such a run lost its worker (killed with the whole node, not only its pool child) and its
    message was not redelivered in time. Returns the rows written; each run is removed.
    """
    from infra_core.tasks.lost import stale_after

    alias = using or DLQ_DATABASE.value
    seconds = stale_after() if older_than is None else older_than
    cutoff = timezone.now() - timedelta(seconds=seconds)
    rows = []
    for run in TaskRun.objects.using(alias).stale(cutoff).order_by("started_at")[:1000]:
        failure = dlq.Failure(
            task_name=run.task_name,
            task_id=run.task_id,
            args=run.args,
            kwargs=run.kwargs,
            exception_class=LOST,
            exception_message=(
                f"started at {run.started_at.isoformat()} on {run.worker or 'an unknown worker'} "
                f"and never finished (swept after {seconds:g}s)"
            ),
            attempts=run.retries + 1,
            queue=run.queue,
            request_id=run.request_id,
            first_failed_at=run.first_failed_at,
            # The run's payload was bounded and redacted when it was stored.
            payload_truncated=run.payload_truncated,
            payload_redacted=run.payload_redacted,
        )
        with transaction.atomic(using=alias):
            row = dlq.record(failure, using=alias)
            TaskRun.objects.using(alias).filter(pk=run.pk).delete()
        rows.append(row)
    return rows


def killed_failure(
    task_name: str, task_id: str, args: Any, kwargs: Any, exc: BaseException, traceback: str
) -> dlq.Failure:
    """Describe a run its worker's main process killed (hard time limit) from its TaskRun row.

    The main process has no task request: the request id, queue and retry number the run
    stored at start stand in for it (empty when runs are not tracked).
    """
    run = TaskRun.objects.using(DLQ_DATABASE.value).filter(task_id=task_id).first()
    return dlq.Failure.from_exception(
        exc,
        task_name=task_name,
        task_id=task_id,
        args=list(args or ()),
        kwargs=dict(kwargs or {}),
        traceback=traceback,
        attempts=(run.retries + 1) if run else 1,
        queue=run.queue if run else "",
        request_id=run.request_id if run else "",
        first_failed_at=run.first_failed_at if run else None,
    )
