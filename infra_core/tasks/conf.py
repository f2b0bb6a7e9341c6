"""Settings of tasks and the dead-letter queue (E400-E419)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from infra_core.conf import Setting, SettingError
from infra_core.parsers import boolean, integer, number, optional


def database_alias(value: Any) -> str:
    """An alias of ``settings.DATABASES``."""
    if not isinstance(value, str) or value not in settings.DATABASES:
        raise SettingError("is not an alias in DATABASES")
    return value


TASKS_MAX_RETRIES: Setting[int] = Setting(
    "TASKS_MAX_RETRIES",
    3,
    integer(0),
    "Retries of an InfraTask that sets no policy of its own: attempts after the first one.",
    "infra_core.E401",
)
# The three below build one RetryPolicy; infra_core.E402 judges them together (system_checks).
TASKS_RETRY_BACKOFF: Setting[float] = Setting(
    "TASKS_RETRY_BACKOFF",
    1.0,
    number(),
    "Seconds before the first retry; retry n waits TASKS_RETRY_BACKOFF * 2**n.",
)
TASKS_RETRY_BACKOFF_MAX: Setting[float] = Setting(
    "TASKS_RETRY_BACKOFF_MAX",
    600.0,
    number(),
    "Upper bound of any retry delay, in seconds.",
)
TASKS_RETRY_JITTER: Setting[float] = Setting(
    "TASKS_RETRY_JITTER",
    0.1,
    number(),
    "Each delay is shortened by a random fraction up to this (0..1): the cap stays a hard bound.",
)
TASKS_MAX_DELIVERIES: Setting[int] = Setting(
    "TASKS_MAX_DELIVERIES",
    3,
    integer(1),
    "Deliveries of one attempt (same task id and retry number) before it is dead-lettered as a "
    "poison task instead of run again: a task that kills its worker stops looping.",
    "infra_core.E403",
)
TASKS_TRACK_RUNS: Setting[bool] = Setting(
    "TASKS_TRACK_RUNS",
    True,
    boolean,
    "Record a TaskRun row at start (one upsert + one delete per task): powers the delivery cap "
    "and the sweeper for tasks whose worker died. False disables both.",
    "infra_core.E404",
)
TASKS_STALE_AFTER: Setting[float | None] = Setting(
    "TASKS_STALE_AFTER",
    None,
    optional(number(positive=True)),
    "`infra_dlq sweep`: a run started longer ago than this (seconds) with no outcome is lost; "
    "None: CELERY_TASK_TIME_LIMIT + 60 s (3600 without a limit).",
    "infra_core.E405",
    "A positive number of seconds above CELERY_TASK_TIME_LIMIT, or None.",
)
TASKS_PUBLISH_RETRIES: Setting[int] = Setting(
    "TASKS_PUBLISH_RETRIES",
    1,
    integer(0, 10),
    "Retries (0.1 s apart) of an InfraTask publish while the broker is unreachable; then "
    "JobQueueError (503 job_queue_unavailable).",
    "infra_core.E411",
    "e.g. 1 (0: fail at the first error).",
)
DLQ_MAX_PAYLOAD_BYTES: Setting[int] = Setting(
    "DLQ_MAX_PAYLOAD_BYTES",
    65536,
    integer(1024),
    "args/kwargs above this many bytes of JSON are stored truncated with a marker.",
    "infra_core.E406",
)
DLQ_MAX_TRACEBACK_CHARS: Setting[int] = Setting(
    "DLQ_MAX_TRACEBACK_CHARS",
    20000,
    integer(1000),
    "Tracebacks above this many characters keep their head and tail.",
    "infra_core.E407",
)
DLQ_REDACT_PAYLOAD: Setting[bool] = Setting(
    "DLQ_REDACT_PAYLOAD",
    True,
    boolean,
    "Store secret-named args/kwargs values (the log redaction rules, LOG_REDACT_KEYS included) "
    "as [REDACTED] in DeadLetter and TaskRun rows; such a row cannot be replayed. False keeps "
    "the payload verbatim.",
    "infra_core.E412",
)
DLQ_DATABASE: Setting[str] = Setting(
    "DLQ_DATABASE",
    "default",
    database_alias,
    "Database alias DLQ rows and task runs are written to (a second alias on the same database "
    "keeps them out of any transaction the failing code holds open).",
    "infra_core.E408",
    "Use an alias of DATABASES, e.g. 'default'.",
)

SETTINGS = (
    TASKS_MAX_RETRIES,
    TASKS_RETRY_BACKOFF,
    TASKS_RETRY_BACKOFF_MAX,
    TASKS_RETRY_JITTER,
    TASKS_MAX_DELIVERIES,
    TASKS_TRACK_RUNS,
    TASKS_STALE_AFTER,
    TASKS_PUBLISH_RETRIES,
    DLQ_MAX_PAYLOAD_BYTES,
    DLQ_MAX_TRACEBACK_CHARS,
    DLQ_REDACT_PAYLOAD,
    DLQ_DATABASE,
)
