"""publish(): validate an event, then send one delivery task per handler after commit."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction

from infra_core import context
from infra_core.events.conf import EVENTS_SOURCE
from infra_core.events.event import Event
from infra_core.events.registry import Subscription, subscriptions
from infra_core.metrics.business import event_label
from infra_core.metrics.definitions import EVENTS_DELIVERED, EVENTS_PUBLISHED
from infra_core.observe import inc

logger = logging.getLogger(__name__)


def publish(
    name: str,
    payload: dict[str, object],
    *,
    source: str | None = None,
    on_commit: bool = True,
    using: str | None = None,
) -> Event:
    """Publish event ``name``: one ``infra_core.events.deliver`` task per handler; return it.

    With ``on_commit`` (the default) the tasks are sent once the current transaction on
    ``using`` commits, and never if it rolls back. Raises ValueError, sending nothing, when the
    name, payload or source is invalid.
    """
    event = Event.create(
        name, payload, source=EVENTS_SOURCE.value if source is None else source
    )
    subs = subscriptions(event.name)
    send = partial(_fan_out, event, subs, context.snapshot(), raise_errors=not on_commit)
    if on_commit:
        transaction.on_commit(send, using=using)
    else:
        send()
    return event


def _fan_out(
    event: Event, subs: list[Subscription], ctx: context.Snapshot, *, raise_errors: bool
) -> None:
    _count_published(event.name)
    if not subs:
        logger.debug("event %s[%s] has no handler", event.name, event.event_id)
        _count(event.name, "no_handler")
        return
    from infra_core.events.tasks import deliver

    # The tasks carry the event's request id in their headers, so handler logs show it.
    with context.bind(
        request_id=event.request_id, user_id=ctx.user_id, plan=ctx.plan, task_id=ctx.task_id
    ):
        for sub in subs:
            try:
                options: dict[str, Any] = {"queue": sub.queue} if sub.queue else {}
                deliver.apply_async(args=(sub.handler, event.to_message()), **options)
            except Exception as exc:
                _count(event.name, "send_failed")
                if raise_errors:
                    raise
                # After commit there is no caller left to tell: log loudly, the event is lost.
                logger.error(
                    "event %s[%s] NOT sent to %s (%s: %s)",
                    event.name,
                    event.event_id,
                    sub.handler,
                    type(exc).__name__,
                    exc,
                    extra={"event": "events.send_failed", "event_id": event.event_id},
                )
                continue
            _count(event.name, "sent")


def _count_published(name: str) -> None:
    inc(EVENTS_PUBLISHED, event=event_label(name))


def _count(name: str, outcome: str) -> None:
    inc(EVENTS_DELIVERED, event=event_label(name), outcome=outcome)
