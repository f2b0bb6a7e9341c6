from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse

from infra_core import context

logger = logging.getLogger(__name__)


def index(request: HttpRequest) -> JsonResponse:
    logger.info("index served")
    return JsonResponse(
        {
            "service": "infra_core example project",
            "request_id": context.get_request_id(),
            "endpoints": ["/health/", "/ready/", "/live/", "/metrics", "/admin/"],
        }
    )
