"""What operators do with dead letters: replay, discard, resolve (the admin and infra_dlq).

Every change is a compare-and-set on ``status = pending``, so of two admins (or a double click)
exactly one wins, and the reasons a row is refused are worded here once for every adapter.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from infra_core.errors.exceptions import AppError, ConflictError, JobQueueError
from infra_core.metrics.definitions import DLQ_REPLAYS
from infra_core.observe import inc
from infra_core.tasks.conf import DLQ_DATABASE
from infra_core.tasks.dlq import REPLAY_HEADER
from infra_core.tasks.models import DeadLetter

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger(__name__)

REPLAY, DISCARD, RESOLVE = "replay", "discard", "resolve"
ACTIONS = (REPLAY, DISCARD, RESOLVE)


class _Refused(AppError):
    """A refused row; ``reason`` is the short why ("already replayed") adapters show per row."""

    def __init__(self, pk: int, reason: str, **details: Any) -> None:
        super().__init__(
            f"dead letter {pk}: {reason}.", details={"id": pk, "reason": reason, **details}
        )
        self.reason = reason


class ReplayRefused(_Refused, ConflictError):
    """The row is not pending (already replayed, discarded or resolved) or cannot be replayed."""

    default_code = "dlq_not_replayable"


class DeadLetterClosed(_Refused, ConflictError):
    """The row is not pending any more, so it cannot be discarded or resolved."""

    default_code = "dlq_not_pending"


class ReplayFailed(_Refused, JobQueueError):
    """The broker refused the replayed message; the row is pending again."""

    default_code = "dlq_replay_failed"


def refusal(row: DeadLetter | None, action: str) -> str | None:
    """Return why ``action`` would be refused for ``row`` now, or None (dry runs ask this)."""
    if row is None:
        return "no such dead letter"
    if row.status != DeadLetter.Status.PENDING:
        return f"already {row.status}"
    if action == REPLAY and row.payload_truncated:
        return "truncated payload: it cannot be replayed as it was"
    if action == REPLAY and row.payload_redacted:
        return (
            "redacted payload: secret-named values were not stored (DLQ_REDACT_PAYLOAD); "
            "send the task again with them"
        )
    return None


def _current(pk: int, alias: str) -> DeadLetter | None:
    return DeadLetter.objects.using(alias).filter(pk=pk).first()


def replay(
    pk: int,
    *,
    actor: str,
    countdown: float | None = None,
    app: Celery | None = None,
    using: str | None = None,
) -> str:
    """Re-enqueue dead letter ``pk`` under a new task id and return that id.

    Raises ReplayRefused when the row is missing, not pending (loop guard) or truncated, and
    ReplayFailed (row pending again) when the broker refuses the message.
    """
    alias = using or DLQ_DATABASE.value
    row = _current(pk, alias)
    reason = refusal(row, REPLAY)
    if reason is not None or row is None:
        raise ReplayRefused(pk, reason or "no such dead letter")
    new_id = str(uuid.uuid4())
    rows = DeadLetter.objects.using(alias)
    claimed = rows.claim_replay(pk, actor=actor, task_id=new_id, at=timezone.now())
    if not claimed:  # another admin won the race since we read the row
        raise ReplayRefused(pk, refusal(_current(pk, alias), REPLAY) or "not pending")
    try:
        _send(row, new_id, countdown=countdown, app=app)
    except Exception as exc:
        rows.release_replay(pk, task_id=new_id)
        reason = f"could not enqueue the replay: {type(exc).__name__}: {exc}"
        raise ReplayFailed(pk, reason) from exc
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


def _close(pk: int, status: str, *, action: str, actor: str, note: str, using: str | None) -> None:
    alias = using or DLQ_DATABASE.value
    if not DeadLetter.objects.using(alias).close(pk, status, actor=actor, note=note):
        reason = refusal(_current(pk, alias), action) or "not pending"
        raise DeadLetterClosed(pk, reason)
    logger.info(
        "dead letter %s marked %s by %s", pk, status, actor, extra={"event": f"dlq.{status}"}
    )


def discard(pk: int, *, actor: str, note: str = "", using: str | None = None) -> None:
    """Mark dead letter ``pk`` discarded (it will not be replayed); raise if not pending."""
    _close(pk, DeadLetter.Status.DISCARDED, action=DISCARD, actor=actor, note=note, using=using)


def resolve(pk: int, *, actor: str, note: str = "", using: str | None = None) -> None:
    """Mark dead letter ``pk`` resolved (handled outside infra_core); raise if not pending."""
    _close(pk, DeadLetter.Status.RESOLVED, action=RESOLVE, actor=actor, note=note, using=using)


@dataclass(frozen=True)
class Outcome:
    """What one row of a batch action came to."""

    pk: int
    row: DeadLetter | None  # as it was before the action
    refused: str | None = None  # the reason, when the row was refused or failed
    new_task_id: str = ""  # a replay's new task id

    @property
    def done(self) -> bool:
        return self.refused is None


def act(
    pks: Iterable[int],
    action: str,
    *,
    actor: str,
    note: str = "",
    countdown: float | None = None,
    dry_run: bool = False,
    app: Celery | None = None,
    using: str | None = None,
) -> list[Outcome]:
    """Apply ``action`` to each of ``pks`` in turn; one row's refusal never stops the others.

    ``dry_run`` changes nothing and predicts each outcome with :func:`refusal`.
    """
    if action not in ACTIONS:
        raise ValueError(f"action {action!r} is not one of {ACTIONS}")
    alias = using or DLQ_DATABASE.value
    ids = list(dict.fromkeys(pks))
    rows = DeadLetter.objects.using(alias).in_bulk(ids)
    outcomes = []
    for pk in ids:
        row = rows.get(pk)
        reason, new_id = refusal(row, action), ""
        if reason is None and not dry_run:
            try:
                if action == REPLAY:
                    new_id = replay(pk, actor=actor, countdown=countdown, app=app, using=alias)
                elif action == DISCARD:
                    discard(pk, actor=actor, note=note, using=alias)
                else:
                    resolve(pk, actor=actor, note=note, using=alias)
            except (ReplayRefused, DeadLetterClosed, ReplayFailed) as exc:
                reason = exc.reason
        outcomes.append(Outcome(pk, row, reason, new_id))
    return outcomes
