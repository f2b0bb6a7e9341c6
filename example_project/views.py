from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse

from infra_core import context
from infra_core.ratelimit import rate_limit

logger = logging.getLogger(__name__)


def index(request: HttpRequest) -> JsonResponse:
    logger.info("index served")
    return JsonResponse(
        {
            "service": "infra_core example project",
            "request_id": context.get_request_id(),
            "endpoints": [
                "/health/",
                "/ready/",
                "/live/",
                "/metrics",
                "/admin/",
                "/demo/task/?order=-1",
                "/demo/limited/",
            ],
        }
    )


def publish_task(request: HttpRequest) -> JsonResponse:
    """Queue ``example.send_receipt``; a negative order fails 3 times and lands in the DLQ."""
    from example_project.tasks import send_receipt

    try:
        order = int(request.GET.get("order", "1"))
    except ValueError:
        return JsonResponse({"error": "order must be an integer"}, status=400)
    result = send_receipt.delay(order)
    return JsonResponse({"task_id": result.id, "request_id": context.get_request_id()})


@rate_limit("demo", key="ip")
def limited(request: HttpRequest) -> JsonResponse:
    """Five requests a minute per client IP, then 429 with Retry-After."""
    return JsonResponse({"ok": True})
