from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from infra_core import context
from infra_core.errors import ValidationError
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
                "GET /api/quota/ (X-Api-Key: demo-free | demo-pro | demo-enterprise)",
                "GET, POST /api/items/",
                "GET, PATCH (If-Match), PUT (version) /api/items/<id>/",
                "POST /api/items/<id>/buy/",
                'POST /demo/task/ {"order": -1}',
                "/demo/limited/",
            ],
        }
    )


def _order(request: HttpRequest) -> int:
    """Return the one integer ``order`` of the JSON body; raise ValidationError naming it."""
    if request.content_type != "application/json":
        raise ValidationError(
            'Send a JSON body: Content-Type: application/json, {"order": <integer>}.',
            details={"field": "content-type"},
        )

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        if keys.count("order") > 1:
            raise ValidationError("order is given more than once.", details={"field": "order"})
        return dict(items)

    try:
        body = json.loads(request.body or b"{}", object_pairs_hook=pairs)
    except ValueError:
        raise ValidationError("The body is not JSON.", details={"field": "body"}) from None
    order = body.get("order", 1) if isinstance(body, dict) else None
    if not isinstance(order, int) or isinstance(order, bool):
        raise ValidationError("order must be an integer.", details={"field": "order"})
    return order


# POST with a JSON body only: a cross-site page cannot send one without a CORS preflight (which
# this site never grants), so the view needs no CSRF token and `curl -X POST` works.
@csrf_exempt
@require_POST
@rate_limit("demo_task", key="ip")
def publish_task(request: HttpRequest) -> JsonResponse:
    """Queue ``example.send_receipt``; a negative order fails 3 times and lands in the DLQ.

    Bad input is a 400 envelope naming the field; a broker outage is infra_core's 503
    ``job_queue_unavailable`` (InfraTask's publish raises JobQueueError), not this view's.
    """
    from example_project.tasks import send_receipt

    result = send_receipt.delay(_order(request))
    return JsonResponse({"task_id": result.id, "request_id": context.get_request_id()}, status=202)


@rate_limit("demo", key="ip")
def limited(request: HttpRequest) -> JsonResponse:
    """Five requests a minute per client IP, then 429 with Retry-After."""
    return JsonResponse({"ok": True})
