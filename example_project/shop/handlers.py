"""Event handlers: ``item.sold`` records a Sale, once per event id (deliveries can repeat)."""

from __future__ import annotations

import logging

from infra_core.events import Event, subscribe
from infra_core.tasks import RetryPolicy

logger = logging.getLogger(__name__)


@subscribe("item.sold", retry_policy=RetryPolicy(max_retries=3, base_delay=1.0))
def record_sale(event: Event) -> None:
    from example_project.shop.models import Item, Sale

    item = Item.objects.get_by_id(event.payload["item_id"])
    _, created = Sale.objects.get_or_create(
        event_id=event.event_id, defaults={"item": item, "request_id": event.request_id or ""}
    )
    logger.info("sale of item %s recorded (new: %s)", item.pk, created)
