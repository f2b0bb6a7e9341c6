"""Dead-letter services: record a final failure, replay, discard, resolve. Adapters call these."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from infra_core.conf import app_settings
from infra_core.errors.exceptions import ConflictError, JobQueueError
from infra_core.metrics.definitions import DLQ_RECORDED, DLQ_REPLAYS
from infra_core.observe import inc
from infra_core.tasks.models import DeadLetter
from infra_core.tasks.payload import bounded_payload, bounded_text

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger(__name__)

#: Message header that links a replayed task to the dead letter it came from.
REPLAY_HEADER = "infra_core_replay_of"


class ReplayRefused(ConflictError):
    """The row is not pending (already replayed, discarded or resolved) or cannot be replayed."""

    default_code = "dlq_not_replayable"


class DeadLetterClosed(ConflictError):
    """The row is not pending any more, so it cannot be discarded or resolved."""

    default_code = "dlq_not_pending"


class ReplayFailed(JobQueueError):
    """The broker refused the replayed message; the row is pending again."""

    default_code = "dlq_replay_failed"


@dataclass
class Failure:
    """What is known about a task that failed for good (input of :func:`record`)."""

    task_name: str
    task_id: str
    args: Any = ()
    kwargs: Any = field(default_factory=dict)
    exception_class: str = ""
    exception_message: str = ""
    traceback: str = ""
    attempts: int = 1
    queue: str = ""
    request_id: str = ""
    replay_of: str = ""
    first_failed_at: datetime | None = None
    failed_at: datetime | None = None

    @classmethod
    def from_exception(cls, exc: BaseException, **fields: Any) -> Failure:
        """Return a Failure whose class and message come from ``exc``."""
        kind = type(exc)
        return cls(
            exception_class=f"{kind.__module__}.{kind.__qualname__}",
            exception_message=str(exc),
            **fields,
        )

    def as_json(self) -> dict[str, Any]:
        """Return a JSON-safe dict (payload already bounded) for :func:`record_json`."""
        args, kwargs, _ = bounded_payload(
            self.args, self.kwargs, app_settings.dlq_max_payload_bytes
        )
        data = {k: v for k, v in self.__dict__.items() if k not in ("args", "kwargs")}
        data.update(args=args, kwargs=kwargs)
        for key in ("first_failed_at", "failed_at"):
            if isinstance(data[key], datetime):
                data[key] = data[key].isoformat()
        return data


def record(failure: Failure, *, using: str | None = None) -> DeadLetter:
    """Write (or update) the one row of ``failure.task_id``; raise on database errors.

    Idempotent on task id: a second failure of the same id updates attempts and last failure.
    """
    alias = using or app_settings.dlq_database
    args, kwargs, truncated = bounded_payload(
        failure.args, failure.kwargs, app_settings.dlq_max_payload_bytes
    )
    now = failure.failed_at or timezone.now()
    attempts = max(failure.attempts, 1)
    values: dict[str, Any] = {
        "task_name": failure.task_name[:255],
        "args": args,
        "kwargs": kwargs,
        "payload_truncated": truncated,
        "exception_class": failure.exception_class[:255],
        "exception_message": bounded_text(failure.exception_message, 10_000),
        "traceback": bounded_text(failure.traceback, app_settings.dlq_max_traceback_chars),
        "attempts": attempts,
        "queue": failure.queue[:255],
        "request_id": failure.request_id[:128],
        "replay_of": failure.replay_of[:255],
        "last_failed_at": now,
    }
    with transaction.atomic(using=alias):
        row, created = DeadLetter.objects.using(alias).get_or_create(
            task_id=failure.task_id,
            defaults={**values, "first_failed_at": failure.first_failed_at or now},
        )
        if not created:
            values["attempts"] = max(row.attempts, attempts)  # a count never goes down
            for key, value in values.items():
                setattr(row, key, value)
            row.save(using=alias)
    if created:
        inc(DLQ_RECORDED, task=row.task_name)
    logger.warning(
        "task %s[%s] dead-lettered after %s attempt(s): %s",
        row.task_name,
        row.task_id,
        row.attempts,
        row.exception_class,
        extra={"event": "dlq.recorded", "task_name": row.task_name, "task_id": row.task_id},
    )
    return row


def record_json(data: dict[str, Any], *, using: str | None = None) -> DeadLetter:
    """Record a failure from :meth:`Failure.as_json` output (used by the deferred recorder)."""
    values = dict(data)
    for key in ("first_failed_at", "failed_at"):
        if isinstance(values.get(key), str):
            values[key] = datetime.fromisoformat(values[key])
    return record(Failure(**values), using=using)


def _pending_update(pk: int, alias: str, **changes: Any) -> int:
    # Compare-and-set on status: of two admins (or a double click) exactly one wins.
    return (
        DeadLetter.objects.using(alias)
        .filter(pk=pk, status=DeadLetter.Status.PENDING)
        .update(**changes)
    )


def replay(
    pk: int,
    *,
    actor: str,
    countdown: float | None = None,
    app: Celery | None = None,
    using: str | None = None,
) -> str:
    """Re-enqueue dead letter ``pk`` under a new task id and return that id.

    Raises ReplayRefused when the row is not pending (loop guard) or its payload was truncated,
    ReplayFailed (row pending again) when the broker refuses the message.
    """
    alias = using or app_settings.dlq_database
    row = DeadLetter.objects.using(alias).get(pk=pk)
    if row.payload_truncated:
        raise ReplayRefused(
            f"dead letter {pk} has a truncated payload and cannot be replayed as it was.",
            details={"id": pk, "task_id": row.task_id},
        )
    new_id = str(uuid.uuid4())
    claimed = _pending_update(
        pk,
        alias,
        status=DeadLetter.Status.REPLAYED,
        replayed_by=actor[:150],
        replayed_at=timezone.now(),
        replayed_task_id=new_id,
    )
    if not claimed:
        row.refresh_from_db(using=alias)
        raise ReplayRefused(
            f"dead letter {pk} is {row.status}, not pending: not replayed again.",
            details={"id": pk, "status": row.status, "replayed_task_id": row.replayed_task_id},
        )
    try:
        _send(row, new_id, countdown=countdown, app=app)
    except Exception as exc:
        DeadLetter.objects.using(alias).filter(pk=pk, replayed_task_id=new_id).update(
            status=DeadLetter.Status.PENDING, replayed_by="", replayed_at=None, replayed_task_id=""
        )
        raise ReplayFailed(
            f"could not enqueue the replay of dead letter {pk}: {type(exc).__name__}: {exc}"
        ) from exc
    inc(DLQ_REPLAYS, task=row.task_name)
    logger.info(
        "dead letter %s (%s[%s]) replayed by %s as %s",
        pk,
        row.task_name,
        row.task_id,
        actor,
        new_id,
        extra={"event": "dlq.replayed", "task_name": row.task_name, "task_id": new_id},
    )
    return new_id


def _send(row: DeadLetter, task_id: str, *, countdown: float | None, app: Celery | None) -> None:
    if app is None:
        from celery import current_app

        app = current_app
    options: dict[str, Any] = {"task_id": task_id, "headers": {REPLAY_HEADER: row.task_id}}
    if row.queue:
        options["queue"] = row.queue
    if countdown:
        options["countdown"] = countdown
    app.send_task(row.task_name, args=list(row.args), kwargs=dict(row.kwargs), **options)


def _close(pk: int, status: str, *, actor: str, note: str, using: str | None) -> None:
    alias = using or app_settings.dlq_database
    if not _pending_update(pk, alias, status=status, replayed_by=actor[:150], note=note):
        current = DeadLetter.objects.using(alias).filter(pk=pk).values_list("status", flat=True)
        state = current[0] if current else "missing"
        raise DeadLetterClosed(
            f"dead letter {pk} is {state}, not pending.", details={"id": pk, "status": state}
        )
    logger.info(
        "dead letter %s marked %s by %s", pk, status, actor, extra={"event": f"dlq.{status}"}
    )


def discard(pk: int, *, actor: str, note: str = "", using: str | None = None) -> None:
    """Mark dead letter ``pk`` discarded (it will not be replayed); raise if not pending."""
    _close(pk, DeadLetter.Status.DISCARDED, actor=actor, note=note, using=using)


def resolve(pk: int, *, actor: str, note: str = "", using: str | None = None) -> None:
    """Mark dead letter ``pk`` resolved (handled outside infra_core); raise if not pending."""
    _close(pk, DeadLetter.Status.RESOLVED, actor=actor, note=note, using=using)
