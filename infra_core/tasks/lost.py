"""How long a task whose worker died stays hidden: the sweep age, and its check (W410).

A run that started longer ago than its hard time limit, with no outcome, cannot be running any
more: its worker died with it. The sweep age therefore follows ``CELERY_TASK_TIME_LIMIT`` (plus a
minute for the worker to notice and record the kill) unless ``TASKS_STALE_AFTER`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.env.deploy_celery import _visibility_timeout
from infra_core.tasks.conf import TASKS_STALE_AFTER, TASKS_TRACK_RUNS

# Margin over the hard time limit before a run counts as lost (the limit is enforced by the pool
# on its own timer; the worker then records the failure).
STALE_MARGIN = 60.0
# Without a time limit nothing bounds a run: the sweep age before the limit-based default.
STALE_WITHOUT_LIMIT = 3600.0


def hard_time_limit() -> float | None:
    """Return ``CELERY_TASK_TIME_LIMIT`` in seconds, or None when unset or not a number."""
    value = getattr(settings, "CELERY_TASK_TIME_LIMIT", None)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def stale_after() -> float:
    """Return the sweep age: ``TASKS_STALE_AFTER``, else the hard time limit + 60 s, else 3600."""
    configured = TASKS_STALE_AFTER.value
    if configured is not None:
        return configured
    limit = hard_time_limit()
    return STALE_WITHOUT_LIMIT if limit is None else limit + STALE_MARGIN


def check_lost_tasks(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """The sweep age is above the hard time limit (W410); W718 relates limit and visibility."""
    limit = hard_time_limit()
    if TASKS_STALE_AFTER.problem() is not None or TASKS_TRACK_RUNS.raw() is not True:
        return []  # E405 / E404 report the value itself
    age = stale_after()
    if limit is None or age > limit:
        return []
    found = _visibility_timeout()
    broker = (
        f" The {found[0]} broker itself redelivers it after {found[1]:g} s (visibility_timeout)."
        if found is not None
        else ""
    )
    return [
        checks.Warning(
            f"TASKS_STALE_AFTER = {age:g} s is not above CELERY_TASK_TIME_LIMIT = {limit:g} s: "
            "`infra_dlq sweep` dead-letters runs as lost (WorkerLostError) while they may still "
            f"be running within their time limit.{broker}",
            hint=f"Unset TASKS_STALE_AFTER (it then follows the limit: {limit + STALE_MARGIN:g} s)"
            " or set it above the hard time limit; keep the limit below the visibility timeout "
            "(infra_core.W718). docs/tasks.md#lost-workers gives the recovery time per broker.",
            id="infra_core.W410",
        )
    ]
