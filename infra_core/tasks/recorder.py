"""Tasks infra_core registers itself: the deferred dead-letter recorder and the run sweeper."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from celery import shared_task
from django.db import DatabaseError, connections

from infra_core.conf import app_settings
from infra_core.tasks import dlq

logger = logging.getLogger(__name__)

# Backoff 1, 2, 4 ... capped at 60 s: 720 tries keep a dead letter waiting about 12 hours.
MAX_TRIES = 720
MAX_BACKOFF = 60.0


@shared_task(name="infra_core.record_dead_letter", bind=True, acks_late=True, max_retries=MAX_TRIES)
def record_dead_letter(self: Any, failure: dict[str, Any]) -> int:
    """Write a dead letter its task could not write; retry while the database is down."""
    try:
        return dlq.record_json(failure).pk
    except DatabaseError as exc:
        with contextlib.suppress(Exception):  # closing a broken connection may itself fail
            connections[app_settings.dlq_database].close()
        retries = int(self.request.retries or 0)
        if retries >= MAX_TRIES:
            logger.critical(
                "dead letter of %s[%s] is LOST after %s tries: %s",
                failure.get("task_name"),
                failure.get("task_id"),
                retries,
                exc,
                extra={"event": "dlq.lost"},
            )
            raise
        raise self.retry(exc=exc, countdown=min(MAX_BACKOFF, 2.0**retries)) from exc


@shared_task(name="infra_core.sweep_lost_runs")
def sweep_lost_runs(older_than: float | None = None) -> int:
    """Dead-letter runs whose worker died (``infra_dlq sweep`` for Celery beat); return how many."""
    from infra_core.tasks import runs

    return len(runs.sweep(older_than=older_than))
