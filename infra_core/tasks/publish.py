"""Publishing with a bounded broker wait: an unreachable broker is a fast ``JobQueueError``.

Celery's default publish policy retries three times, 0.2 s further apart each time, then raises
kombu's ``OperationalError``: a web request waited ~0.9 s and answered a 500. InfraTask publishes
through :func:`publish`: ``TASKS_PUBLISH_RETRIES`` retries 0.1 s apart, then ``JobQueueError``
(503, code ``job_queue_unavailable``, the one error envelope). The time one connection attempt
may take is the transport's (``broker_connection_timeout``; Redis: ``socket_connect_timeout``
in ``broker_transport_options``): docs/tasks.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from infra_core.errors.exceptions import JobQueueError
from infra_core.tasks.conf import TASKS_PUBLISH_RETRIES

logger = logging.getLogger(__name__)

T = TypeVar("T")


def publish_retry_policy() -> dict[str, float]:
    """Return the kombu retry policy of infra_core's publishes (``TASKS_PUBLISH_RETRIES``)."""
    return {
        "max_retries": TASKS_PUBLISH_RETRIES.value,
        "interval_start": 0.0,
        "interval_step": 0.1,
        "interval_max": 0.1,
    }


def publish(send: Callable[..., T], *args: Any, **options: Any) -> T:
    """Call ``send`` (``apply_async``, ``send_task``); an unreachable broker: ``JobQueueError``.

    An explicit ``retry_policy`` in ``options`` wins over ``TASKS_PUBLISH_RETRIES``.
    """
    from kombu.exceptions import OperationalError

    options.setdefault("retry_policy", publish_retry_policy())
    try:
        return send(*args, **options)
    except (OperationalError, ConnectionError, TimeoutError) as exc:
        # The broker's address may carry credentials: the exception class only.
        logger.warning("task publish failed: broker unreachable (%s)", type(exc).__name__)
        raise JobQueueError() from exc


def publish_on_commit(
    task: Any, args: Any, kwargs: Any, options: dict[str, Any], *, using: str | None = None
) -> None:
    """Publish ``task`` when the transaction on ``using`` commits (nothing if it rolls back).

    The commit has happened when the publish runs, so a refused publish cannot undo it and must
    not turn the caller's success into a 500: it is logged, counted and kept as a DeadLetter row
    (replayable), and the other on-commit callbacks still run.
    """
    import functools

    from django.db import transaction

    send = functools.partial(
        _publish_committed, task, tuple(args or ()), dict(kwargs or {}), options
    )
    transaction.on_commit(send, using=using)


def _publish_committed(task: Any, args: Any, kwargs: Any, options: dict[str, Any]) -> None:
    from infra_core.observe import observer_failed

    try:
        task.apply_async(args, kwargs, **options)
    except JobQueueError as exc:
        try:
            _keep_unpublished(task, args, kwargs, options, exc)
        except Exception as error:  # an observer: the commit stands, the next callback runs
            observer_failed("dlq", error)


def _keep_unpublished(
    task: Any, args: Any, kwargs: Any, options: dict[str, Any], exc: JobQueueError
) -> None:
    import uuid

    from infra_core import context
    from infra_core.metrics.definitions import TASK_OUTCOMES
    from infra_core.observe import inc
    from infra_core.tasks import dlq

    inc(TASK_OUTCOMES, task=task.name, outcome="publish_failed")
    logger.error(
        "task %s not published after commit: broker unreachable; kept as a dead letter",
        task.name,
        extra={"event": "task.publish_failed", "task_name": task.name},
    )
    default_queue = getattr(task, "queue", None) or task.app.conf.task_default_queue
    queue = str(options.get("queue") or default_queue or "")
    failure = dlq.Failure.from_exception(
        exc,
        task_name=task.name,
        task_id=str(options.get("task_id") or uuid.uuid4()),
        args=args,
        kwargs=kwargs,
        attempts=0,
        queue=queue,
        request_id=context.get_request_id() or "",
    )
    dlq.record_or_defer(failure, app=task.app, queue=queue)
