"""The one delivery task: run a handler on an event, with that handler's retry policy and the DLQ.

Found by ``app.autodiscover_tasks(["infra_core.events"])`` (it imports this module).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.utils.module_loading import import_string

from infra_core.events.event import Event
from infra_core.events.registry import find
from infra_core.metrics.business import event_label
from infra_core.metrics.definitions import EVENTS_DELIVERED
from infra_core.observe import inc, observer_failed
from infra_core.tasks.base import InfraTask
from infra_core.tasks.policy import RetryPolicy

logger = logging.getLogger(__name__)

TASK_NAME = "infra_core.events.deliver"


class EventDelivery(InfraTask):
    """InfraTask whose retry policy is the one registered for the handler it delivers to."""

    abstract = True

    def get_retry_policy(self) -> RetryPolicy:
        """Return the handler's registered policy, else the TASKS_* default."""
        handler, name = _target(self.request.args)
        try:
            sub = find(name, handler) if handler and name else None
        except ValueError as exc:  # a broken EVENTS_HANDLERS (E42x): fall back, do not mask
            observer_failed("events", exc)
            sub = None
        if sub is not None and sub.retry_policy is not None:
            return sub.retry_policy
        return super().get_retry_policy()

    def on_success(self, retval: Any, task_id: str, args: Any, kwargs: Any) -> None:
        super().on_success(retval, task_id, args, kwargs)
        _count(args, "success")

    def on_retry(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        super().on_retry(exc, task_id, args, kwargs, einfo)
        _count(args, "retry")

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        super().on_failure(exc, task_id, args, kwargs, einfo)
        _count(args, "failure")


def _target(args: Any) -> tuple[str, str]:
    """Return (handler path, event name) from the task's args, empty strings if malformed."""
    try:
        return str(args[0]), str(args[1]["name"])
    except (TypeError, IndexError, KeyError):
        return "", ""


def _count(args: Any, outcome: str) -> None:
    inc(EVENTS_DELIVERED, event=event_label(_target(args)[1]), outcome=outcome)


@shared_task(name=TASK_NAME, bind=True, base=EventDelivery)
def deliver(self: EventDelivery, handler_path: str, event: dict[str, Any]) -> None:
    """Import the handler by its dotted path and call it with the event (attempt filled in)."""
    # Importing the handler's module also runs its @subscribe, so get_retry_policy() sees it.
    handler = import_string(handler_path)
    received = Event.from_message(event, attempt=int(self.request.retries or 0) + 1)
    logger.debug(
        "delivering event %s[%s] to %s, attempt %s",
        received.name,
        received.event_id,
        handler_path,
        received.attempt,
    )
    handler(received)
