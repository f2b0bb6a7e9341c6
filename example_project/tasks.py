"""Example InfraTasks: one that succeeds, one that fails for good and lands in the DLQ."""

from __future__ import annotations

import logging

from infra_core.tasks import RetryPolicy, infra_task

logger = logging.getLogger(__name__)


@infra_task(name="example.send_receipt", retry_policy=RetryPolicy(max_retries=2, base_delay=1.0))
def send_receipt(order_id: int) -> str:
    logger.info("sending receipt for order %s", order_id)
    if order_id < 0:
        raise ValueError(f"order {order_id} does not exist")
    return f"receipt-{order_id}"
