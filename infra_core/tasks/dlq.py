"""Recording dead letters: a task's final failure becomes one row, even when the DB is down.

What operators do with the rows (replay, discard, resolve) is in ``infra_core.tasks.operations``.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connections, transaction
from django.utils import timezone

from infra_core.logging.filters import redact_text
from infra_core.metrics.definitions import DLQ_RECORDED
from infra_core.observe import inc, observer_failed
from infra_core.tasks.conf import (
    DLQ_DATABASE,
    DLQ_MAX_TRACEBACK_CHARS,
)
from infra_core.tasks.models import DeadLetter
from infra_core.tasks.payload import bounded_text, stored_payload

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger(__name__)

#: Message header that links a replayed task to the dead letter it came from.
REPLAY_HEADER = "infra_core_replay_of"
#: The task that writes a dead letter later when the database was down (tasks/recorder.py).
RECORDER = "infra_core.record_dead_letter"


def describe(exc: BaseException) -> dict[str, Any]:
    """Return the ``exception_class`` (dotted) and ``exception_message`` fields of ``exc``."""
    kind = type(exc)
    return {
        "exception_class": f"{kind.__module__}.{kind.__qualname__}",
        "exception_message": str(exc),
    }


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
    # Set by as_json(): the payload it carries was already bounded (a marker) or redacted.
    payload_truncated: bool = False
    payload_redacted: bool = False

    @classmethod
    def from_exception(cls, exc: BaseException, **fields: Any) -> Failure:
        """Return a Failure whose class and message come from ``exc``."""
        return cls(**{**describe(exc), **fields})

    def as_json(self) -> dict[str, Any]:
        """Return a JSON-safe dict (payload already bounded) for :func:`record_json`."""
        payload = stored_payload(self.args, self.kwargs)
        data = {k: v for k, v in self.__dict__.items() if k not in ("args", "kwargs")}
        data.update(
            args=payload.args,
            kwargs=payload.kwargs,
            payload_truncated=payload.truncated or self.payload_truncated,
            payload_redacted=payload.redacted or self.payload_redacted,
        )
        for key in ("first_failed_at", "failed_at"):
            if isinstance(data[key], datetime):
                data[key] = data[key].isoformat()
        return data


def record(failure: Failure, *, using: str | None = None) -> DeadLetter:
    """Write (or update) the one row of ``failure.task_id``; raise on database errors.

    Idempotent on task id: a second failure of the same id updates attempts and last failure.
    """
    alias = using or DLQ_DATABASE.value
    payload = stored_payload(failure.args, failure.kwargs)
    now = failure.failed_at or timezone.now()
    attempts = max(failure.attempts, 1)
    values: dict[str, Any] = {
        "task_name": failure.task_name[:255],
        "args": payload.args,
        "kwargs": payload.kwargs,
        "payload_truncated": payload.truncated or failure.payload_truncated,
        "payload_redacted": payload.redacted or failure.payload_redacted,
        "exception_class": failure.exception_class[:255],
        # "password=..." in a message or traceback is masked as in log lines (replay needs
        # neither).
        "exception_message": bounded_text(redact_text(failure.exception_message), 10_000),
        "traceback": bounded_text(redact_text(failure.traceback), DLQ_MAX_TRACEBACK_CHARS.value),
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


def record_or_defer(failure: Failure, *, app: Celery, queue: str | None = None) -> bool:
    """Record ``failure`` now (True), or hand it to the RECORDER task when that fails (False).

    Never raises: a database error is counted and logged, and the failure travels to the
    recorder through the broker; only if the broker fails as well is it lost (CRITICAL log).
    """
    try:
        record(failure)
        return True
    except Exception as exc:
        observer_failed("dlq", exc)
        reset_connection()
        logger.error(
            "could not record dead letter of %s[%s] (%s: %s); deferring to %s",
            failure.task_name,
            failure.task_id,
            type(exc).__name__,
            exc,
            RECORDER,
            extra={"event": "dlq.deferred", "task_name": failure.task_name},
        )
    try:
        app.send_task(RECORDER, kwargs={"failure": failure.as_json()}, queue=queue or None)
    except Exception as exc:
        observer_failed("dlq", exc)
        logger.critical(
            "dead letter of %s[%s] is LOST: database and broker both failed (%s: %s)",
            failure.task_name,
            failure.task_id,
            type(exc).__name__,
            exc,
            extra={"event": "dlq.lost", "task_name": failure.task_name},
        )
    return False


def reset_connection(using: str | None = None) -> None:
    """Close the DLQ database connection after an error, so the next use reconnects."""
    with contextlib.suppress(Exception):  # closing a broken connection may itself fail
        connections[using or DLQ_DATABASE.value].close()


def record_json(data: dict[str, Any], *, using: str | None = None) -> DeadLetter:
    """Record a failure from :meth:`Failure.as_json` output (used by the deferred recorder)."""
    values = dict(data)
    for key in ("first_failed_at", "failed_at"):
        if isinstance(values.get(key), str):
            values[key] = datetime.fromisoformat(values[key])
    return record(Failure(**values), using=using)
