"""The retention concern's ``INFRA_CORE`` keys."""

from __future__ import annotations

from typing import Any

from infra_core.conf import Setting
from infra_core.parsers import anything, integer, number, optional

RETENTION_POLICIES: Setting[Any] = Setting(
    "RETENTION_POLICIES",
    {},
    anything,  # validated by infra_core.retention.policies.parse_policies (checks E601-E606)
    'Model label -> {"older_than": "30d", "field": "created_at", "filter": {...}} or None '
    "(None turns a default policy off); merged over infra_core's own defaults.",
)
RETENTION_BATCH_SIZE: Setting[int] = Setting(
    "RETENTION_BATCH_SIZE",
    20_000,
    integer(1, 100_000),
    "Primary keys per batch (one short transaction each) for policies that set none.",
    "infra_core.E610",
    "e.g. 20000; lower it if one batch statement comes close to a second.",
)
RETENTION_SLEEP_MS: Setting[int] = Setting(
    "RETENTION_SLEEP_MS",
    0,
    integer(0, 60_000),
    "Milliseconds to sleep between two batches (gives replicas and vacuum room).",
    "infra_core.E611",
    "e.g. 0 (no pause) or 50.",
)
RETENTION_LOCK_TIMEOUT: Setting[float] = Setting(
    "RETENTION_LOCK_TIMEOUT",
    1.0,
    number(0.001, 60, positive=True),
    "PostgreSQL lock_timeout of each batch, in seconds (a blocked batch is retried, not waited).",
    "infra_core.E612",
    "e.g. 1.0",
)
RETENTION_STATEMENT_TIMEOUT: Setting[float] = Setting(
    "RETENTION_STATEMENT_TIMEOUT",
    30.0,
    number(0.01, 3600, positive=True),
    "PostgreSQL statement_timeout of each batch statement, in seconds.",
    "infra_core.E613",
    "e.g. 30.0; lower RETENTION_BATCH_SIZE if batches come close to it.",
)
RETENTION_MAX_SECONDS: Setting[float | None] = Setting(
    "RETENTION_MAX_SECONDS",
    None,
    optional(number(positive=True)),
    "Time budget of one run in seconds (no new batch starts after it); None: no budget.",
    "infra_core.E614",
    "e.g. 600 or None.",
)

SETTINGS = (
    RETENTION_POLICIES,
    RETENTION_BATCH_SIZE,
    RETENTION_SLEEP_MS,
    RETENTION_LOCK_TIMEOUT,
    RETENTION_STATEMENT_TIMEOUT,
    RETENTION_MAX_SECONDS,
)
