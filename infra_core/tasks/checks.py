"""System checks for tasks and the dead-letter queue: infra_core.E400-E419."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.conf import DEFAULTS, user_settings
from infra_core.tasks.policy import RetryPolicy


def _value(key: str) -> Any:
    return user_settings().get(key, DEFAULTS[key])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# key, test, what it must be, check id
RULES: list[tuple[str, Callable[[Any], bool], str, str]] = [
    ("TASKS_MAX_RETRIES", lambda v: _is_int(v) and v >= 0, "an int >= 0", "infra_core.E401"),
    ("TASKS_MAX_DELIVERIES", lambda v: _is_int(v) and v >= 1, "an int >= 1", "infra_core.E403"),
    ("TASKS_TRACK_RUNS", lambda v: isinstance(v, bool), "a bool", "infra_core.E404"),
    (
        "TASKS_STALE_AFTER",
        lambda v: _is_number(v) and v > 0,
        "a positive number of seconds",
        "infra_core.E405",
    ),
    (
        "DLQ_MAX_PAYLOAD_BYTES",
        lambda v: _is_int(v) and v >= 1024,
        "an int >= 1024",
        "infra_core.E406",
    ),
    (
        "DLQ_MAX_TRACEBACK_CHARS",
        lambda v: _is_int(v) and v >= 1000,
        "an int >= 1000",
        "infra_core.E407",
    ),
]


def _scalars() -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"INFRA_CORE[{key!r}] = {_value(key)!r} is not {what}.",
            hint=f"e.g. {DEFAULTS[key]!r} (the default).",
            id=check_id,
        )
        for key, ok, what, check_id in RULES
        if not ok(_value(key))
    ]


def _policy() -> list[checks.CheckMessage]:
    keys = ("TASKS_RETRY_BACKOFF", "TASKS_RETRY_BACKOFF_MAX", "TASKS_RETRY_JITTER")
    values = {key: _value(key) for key in keys}
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


def _database() -> list[checks.CheckMessage]:
    alias = _value("DLQ_DATABASE")
    if isinstance(alias, str) and alias in settings.DATABASES:
        return []
    return [
        checks.Error(
            f"INFRA_CORE['DLQ_DATABASE'] = {alias!r} is not an alias in DATABASES.",
            hint=f"Use one of {sorted(settings.DATABASES)}.",
            id="infra_core.E408",
        )
    ]


def _connection_reuse() -> list[checks.CheckMessage]:
    # Celery's Django fixup closes every connection before and after each task unless
    # CELERY_DB_REUSE_MAX is set; with a TaskRun row per task that is a new connection per task.
    alias = _value("DLQ_DATABASE")
    database: dict[str, Any] = settings.DATABASES.get(alias, {}) if isinstance(alias, str) else {}
    if (
        _value("TASKS_TRACK_RUNS") is not True
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
    """TASKS_* and DLQ_* values are usable; the default retry policy builds."""
    return [*_scalars(), *_policy(), *_database(), *_connection_reuse()]
