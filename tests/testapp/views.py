from __future__ import annotations

import asyncio
import logging
import time

from django.http import HttpRequest, JsonResponse

from infra_core import context

logger = logging.getLogger("tests.views")


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "request_id": context.get_request_id()})


async def aping(request: HttpRequest) -> JsonResponse:
    await asyncio.sleep(float(request.GET.get("sleep", "0")))
    return JsonResponse({"ok": True, "request_id": context.get_request_id()})


def log_view(request: HttpRequest) -> JsonResponse:
    logger.info("inside view", extra={"password": "hunter2", "nested": {"api_key": "k-123"}})
    return JsonResponse({"ok": True})


def item(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse({"pk": pk})


def boom(request: HttpRequest) -> JsonResponse:
    raise KeyError("secret")


def slow(request: HttpRequest) -> JsonResponse:
    time.sleep(float(request.GET.get("s", "0.05")))
    return JsonResponse({"ok": True})
