"""Views of the hostile-input tests: JSON bodies read the documented ways (DRF, Django forms)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from infra_core import errors

logger = logging.getLogger("tests.hostile")


class DrfEcho(APIView):
    """Reads ``request.data`` with DRF's JSON parser: ParseError / UnsupportedMediaType."""

    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    def post(self, request: Request) -> Response:
        data: Any = request.data
        return Response({"keys": sorted(data) if isinstance(data, dict) else None})


@csrf_exempt
def plain_json(request: HttpRequest) -> JsonResponse:
    """A plain Django view that reports bad JSON the documented way (an AppError)."""
    if request.content_type != "application/json":
        raise errors.BadRequestError("Send application/json.")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise errors.BadRequestError("The body is not valid JSON.") from None
    return JsonResponse({"type": type(data).__name__})


@csrf_exempt
def form_post(request: HttpRequest) -> JsonResponse:
    """Reads ``request.POST`` (DATA_UPLOAD_MAX_MEMORY_SIZE applies)."""
    return JsonResponse({"fields": sorted(request.POST)})


@csrf_exempt
def crash_with_body(request: HttpRequest) -> JsonResponse:
    """Logs the parsed body (the redaction filter must mask it), then fails as a bug would."""
    data = json.loads(request.body or b"{}")
    logger.warning("received %s", data, extra={"payload": data})
    raise RuntimeError("handler bug")
