"""Tasks the worker tests run in a real Celery worker process."""

from __future__ import annotations

import logging
import os
import signal
import time

from django.core.cache import cache

from infra_core import context
from infra_core.tasks import RetryPolicy, infra_task

logger = logging.getLogger(__name__)

FAST = RetryPolicy(retry_on=(ValueError,), max_retries=2, base_delay=0.3, max_delay=2, jitter=0)


@infra_task(name="tests.add")
def add(a: int, b: int) -> int:
    cache.set(f"task-result:{context.get_request_id()}", a + b, 60)
    return a + b


@infra_task(name="tests.always_fails", retry_policy=FAST)
def always_fails(order_id: int, *, note: str = "") -> None:
    logger.info("charging order %s", order_id, extra={"event": "test.charge"})
    cache.set(f"attempt-at:{context.get_request_id()}:{time.time()}", 1, 60)
    raise ValueError(f"card declined for order {order_id}")


@infra_task(name="tests.not_retried", retry_policy=FAST)
def not_retried() -> None:
    raise KeyError("no such thing")


@infra_task(name="tests.sleep_once")
def sleep_once(marker: str, seconds: float) -> str:
    """Sleep on the first delivery (the test kills the worker then), return on the next one."""
    if cache.add(f"sleep-once:{marker}", os.getpid(), 120):
        time.sleep(seconds)
    cache.set(f"sleep-once-done:{marker}", os.getpid(), 120)
    return "done"


@infra_task(name="tests.kill_worker")
def kill_worker(marker: str) -> None:
    """A poison task: every delivery kills the pool process running it."""
    cache.add(f"kills:{marker}", 0, 120)
    cache.incr(f"kills:{marker}")
    os.kill(os.getpid(), signal.SIGKILL)


@infra_task(name="tests.replayable", retry_policy=RetryPolicy(max_retries=0))
def replayable(marker: str) -> str:
    """Fail until the cache key ``fixed:<marker>`` exists (an operator 'fixed' it), then succeed."""
    if not cache.get(f"fixed:{marker}"):
        raise RuntimeError(f"downstream still broken for {marker}")
    cache.set(f"replayed-ok:{marker}", context.get_request_id(), 120)
    return "ok"


@infra_task(name="tests.note_context")
def note_context(previous: object, marker: str) -> str:
    """Record the request id this run sees; return it so a chained task receives it."""
    cache.set(f"context:{marker}:{context.get_task_id()}", context.get_request_id(), 120)
    return str(context.get_request_id())


@infra_task(name="tests.sentry_not_found", retry_policy=RetryPolicy(max_retries=0))
def sentry_not_found(item_id: int) -> None:
    """A 4xx-type failure: dead-lettered, but never a Sentry event."""
    from infra_core.errors import NotFoundError

    raise NotFoundError(details={"item_id": item_id})


@infra_task(
    name="tests.sentry_leaks_secret",
    retry_policy=RetryPolicy(retry_on=(RuntimeError,), max_retries=1, base_delay=0.2, jitter=0),
)
def sentry_leaks_secret(user: str, *, password: str, api_token: str) -> None:
    """Fail once (retried), then finally, with secrets in the kwargs and the message."""
    headers = {"Authorization": f"Bearer {api_token}"}
    logger.info("logging in %s", user, extra={"event": "test.login"})
    raise RuntimeError(f"login failed for {user}: password={password} headers={headers}")


from tests.testapp.tasks_catalogue import read_account  # noqa: E402, F401
from tests.testapp.tasks_db import create_article, retitle_article  # noqa: E402, F401
