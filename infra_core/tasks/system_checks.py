"""System checks for tasks and the dead-letter queue: infra_core.E400-E419 (scalars: conf.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.tasks.conf import (
    DLQ_DATABASE,
    TASKS_RETRY_BACKOFF,
    TASKS_RETRY_BACKOFF_MAX,
    TASKS_RETRY_JITTER,
    TASKS_TRACK_RUNS,
)
from infra_core.tasks.policy import RetryPolicy


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _policy() -> list[checks.CheckMessage]:
    table = (TASKS_RETRY_BACKOFF, TASKS_RETRY_BACKOFF_MAX, TASKS_RETRY_JITTER)
    values = {setting.name: setting.raw() for setting in table}
    bad = [key for key, value in values.items() if not _is_number(value)]
    problem = ", ".join(f"{key} = {values[key]!r} is not a number" for key in bad)
    if not bad:
        try:  # the constructor the runtime uses
            RetryPolicy(
                base_delay=values["TASKS_RETRY_BACKOFF"],
                max_delay=values["TASKS_RETRY_BACKOFF_MAX"],
                jitter=values["TASKS_RETRY_JITTER"],
            )
        except ValueError as exc:
            problem = str(exc)
    if not problem:
        return []
    return [
        checks.Error(
            f"The default retry policy does not build: {problem}.",
            hint="Need 0 <= TASKS_RETRY_BACKOFF <= TASKS_RETRY_BACKOFF_MAX and "
            "0 <= TASKS_RETRY_JITTER <= 1, e.g. 1.0, 600.0, 0.1.",
            id="infra_core.E402",
        )
    ]


def _connection_reuse() -> list[checks.CheckMessage]:
    # Celery's Django fixup closes every connection before and after each task unless
    # CELERY_DB_REUSE_MAX is set; with a TaskRun row per task that is a new connection per task.
    alias = DLQ_DATABASE.raw()
    database: dict[str, Any] = settings.DATABASES.get(alias, {}) if isinstance(alias, str) else {}
    if (
        TASKS_TRACK_RUNS.raw() is not True
        or not getattr(settings, "CELERY_BROKER_URL", None)
        or getattr(settings, "CELERY_DB_REUSE_MAX", None)
        or "sqlite" in str(database.get("ENGINE", ""))
        or (database.get("OPTIONS") or {}).get("pool")
    ):
        return []
    return [
        checks.Warning(
            "Celery closes database connections around every task (CELERY_DB_REUSE_MAX is "
            "unset) and TASKS_TRACK_RUNS writes a TaskRun row per task: every InfraTask opens a "
            "new database connection (about 8 ms per task in bench/bench_tasks.py).",
            hint="Set CELERY_DB_REUSE_MAX = 1000, or a connection pool "
            f"(DATABASES[{alias!r}]['OPTIONS']['pool'] = True), or TASKS_TRACK_RUNS = False.",
            id="infra_core.W409",
        )
    ]


def check_tasks(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """The default retry policy builds; Celery keeps connections for run tracking."""
    return [*_policy(), *_connection_reuse()]
