"""Tasks infra_core registers itself: the deferred dead-letter recorder and the run sweeper."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import DatabaseError

from infra_core.tasks import dlq
from infra_core.tasks.policy import RetryPolicy

logger = logging.getLogger(__name__)

# 1 s, 2 s, 4 s ... capped at 60 s: 720 tries keep a dead letter waiting about 12 hours.
# A plain task, not an InfraTask: run tracking would write to the database that is down.
POLICY = RetryPolicy(retry_on=(DatabaseError,), max_retries=720, base_delay=1.0, max_delay=60.0)


@shared_task(name=dlq.RECORDER, bind=True, acks_late=True, max_retries=POLICY.max_retries)
def record_dead_letter(self: Any, failure: dict[str, Any]) -> int:
    """Write a dead letter its task could not write; retry while the database is down."""
    try:
        return dlq.record_json(failure).pk
    except DatabaseError as exc:
        dlq.reset_connection()
        retries = int(self.request.retries or 0)
        if not POLICY.should_retry(exc, retries):
            logger.critical(
                "dead letter of %s[%s] is LOST after %s tries: %s",
                failure.get("task_name"),
                failure.get("task_id"),
                retries,
                exc,
                extra={"event": "dlq.lost"},
            )
            raise
        raise self.retry(exc=exc, countdown=POLICY.delay(retries)) from exc


@shared_task(name="infra_core.sweep_lost_runs")
def sweep_lost_runs(older_than: float | None = None) -> int:
    """Dead-letter runs whose worker died (``infra_dlq sweep`` for Celery beat); return how many."""
    from infra_core.tasks import runs

    return len(runs.sweep(older_than=older_than))
