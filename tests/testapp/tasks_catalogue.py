"""Tasks of the catalogue tests (tests/catalogue/test_tasks.py), run in a real worker."""

from __future__ import annotations

import os
import signal
import time

from django.core.cache import cache
from django.db import transaction

from infra_core import context
from infra_core.tasks import RetryPolicy, infra_task
from tests.testapp.models_db import Account

ONCE = RetryPolicy(max_retries=0)


@infra_task(name="tests.cat_read_account", retry_policy=ONCE)
def read_account(pk: int, marker: str) -> str:
    """C-14: the row the publisher created must be visible to the worker."""
    name = Account.objects.get(pk=pk).name
    cache.set(f"cat-read:{marker}", name, 120)
    return name


@infra_task(name="tests.cat_atomic_fails", retry_policy=ONCE)
def atomic_fails(name: str) -> None:
    """C-11: the body writes inside atomic() and raises: its row is rolled back."""
    with transaction.atomic():
        Account.objects.create(name=name)
        raise ValueError(f"failed after writing {name}")


@infra_task(name="tests.cat_aborted_connection", retry_policy=ONCE)
def aborted_connection(name: str) -> None:
    """C-11: an IntegrityError leaves this connection's transaction aborted when the body ends."""
    Account.objects.create(name=name)
    transaction.set_autocommit(False)
    Account.objects.create(name=f"{name}-2")  # written, then rolled back with the abort
    Account.objects.create(name=name)  # IntegrityError: the transaction is now aborted


@infra_task(name="tests.cat_hard_limit", retry_policy=ONCE, time_limit=1, soft_time_limit=None)
def hard_limit(marker: str) -> None:
    """C-08: killed by the hard time limit while sleeping."""
    cache.set(f"cat-hard:{marker}", os.getpid(), 120)
    time.sleep(5)
    cache.set(f"cat-hard-done:{marker}", 1, 120)


@infra_task(name="tests.cat_lost_no_reject", reject_on_worker_lost=False)
def lost_no_reject(marker: str) -> None:
    """C-09: the pool process dies; without reject_on_worker_lost the message is acked."""
    cache.add(f"cat-lost:{marker}", 0, 120)
    cache.incr(f"cat-lost:{marker}")
    os.kill(os.getpid(), signal.SIGKILL)


@infra_task(name="tests.cat_note_request_id", retry_policy=ONCE)
def note_request_id(marker: str, fail: bool = False) -> str:
    """Q-08: record the request id the worker bound; optionally fail into the DLQ."""
    cache.set(f"cat-rid:{marker}", context.get_request_id(), 120)
    if fail:
        raise RuntimeError("dead-letter me")
    return str(context.get_request_id())


@infra_task(
    name="tests.cat_autoretry",
    retry_policy=RetryPolicy(max_retries=0),  # Celery's autoretry alone decides the retries
    autoretry_for=(ValueError,),
    retry_backoff=True,
    retry_jitter=False,
    max_retries=2,
)
def autoretry(marker: str) -> None:
    """C-07: Celery's own autoretry; the final exception is the ValueError itself."""
    cache.add(f"cat-auto:{marker}", 0, 120)
    cache.incr(f"cat-auto:{marker}")
    raise ValueError(f"still failing {marker}")
