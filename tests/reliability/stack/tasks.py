"""The suite's task: apply a key to the ledger, once, whatever the redeliveries."""

from __future__ import annotations

import time

from django.db import DatabaseError, connection

from infra_core.db import atomic_with_retry
from infra_core.tasks import RetryPolicy, infra_task

# Database errors are retried (a terminated connection); the deliberate failure is not.
POLICY = RetryPolicy(
    retry_on=(DatabaseError,), max_retries=5, base_delay=0.2, max_delay=2, jitter=0
)


class Planned(LookupError):
    """The failure a key asked for: it must end as exactly one DeadLetter row."""


@infra_task(name="rel.apply", retry_policy=POLICY)
def apply_key(key: str, fail: bool = False, sleep: float = 0.0) -> str:
    if sleep:
        time.sleep(sleep)
    if fail:
        raise Planned(f"key {key} is planned to fail")
    # The effect is the ledger row; its UNIQUE key makes a redelivery count, not apply, again.
    for attempt in atomic_with_retry(attempts=5):
        with attempt, connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO rel_ledger (key, deliveries) VALUES (%s, 1) ON CONFLICT (key) "
                "DO UPDATE SET deliveries = rel_ledger.deliveries + 1",
                [key],
            )
    return key
