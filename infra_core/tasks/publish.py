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
