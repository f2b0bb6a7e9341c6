"""Event handlers the event-bus tests run in a real Celery worker process."""

from __future__ import annotations

import dataclasses
import logging
import time

from django.core.cache import cache

from infra_core import context
from infra_core.events import Event, subscribe
from infra_core.tasks import RetryPolicy

logger = logging.getLogger(__name__)

FAST = RetryPolicy(retry_on=(ValueError,), max_retries=2, base_delay=0.3, max_delay=2, jitter=0)

PAID = "test.order_paid"
FAILED = "test.order_failed"


def _record(handler: str, event: Event) -> None:
    logger.info("handling %s", event.name, extra={"event": f"test.{handler}"})
    seen = dataclasses.asdict(event) | {"context_request_id": context.get_request_id()}
    cache.set(f"event:{handler}:{event.event_id}:{event.attempt}:{time.time()}", seen, 120)


@subscribe(PAID)
@subscribe(FAILED)
def send_receipt(event: Event) -> None:
    _record("send_receipt", event)


def notify_warehouse(event: Event) -> None:
    """Subscribed only through EVENTS_HANDLERS in the tests."""
    _record("notify_warehouse", event)


@subscribe(FAILED, retry_policy=FAST)
def charge_card(event: Event) -> None:
    _record("charge_card", event)
    raise ValueError(f"card declined for order {event.payload.get('order')}")


NOT_CALLABLE = 42
