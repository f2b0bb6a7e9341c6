"""Views used only by the rate-limit tests (mounted by tests/ratelimit/urls.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from infra_core.ratelimit import RateLimitThrottle, rate_limit


@rate_limit("hammer", key="header:X-Client", rate="100/m")
def hammer(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@rate_limit("sync", key="header:X-Client", rate="3/m")
def sync_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@rate_limit("async", key="header:X-Client", rate="3/m")
async def async_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@rate_limit("short", key="header:X-Client", rate="5/2s")
def short_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@rate_limit("chat", key="user")
def chat_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@rate_limit("byip", key="ip", rate="1/m")
def ip_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@rate_limit("outage", key="header:X-Client")
def outage_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@rate_limit("soft", key="header:X-Client", rate="1/m", block=False)
def soft_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"limited": request.limited})  # type: ignore[attr-defined]


def plain(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


class ThrottledAPI(APIView):
    throttle_classes = [RateLimitThrottle]
    throttle_scope = "drf"
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    def get(self, request: HttpRequest) -> Response:
        return Response({"ok": True})


def plan_from_username(request: HttpRequest) -> str | None:
    """Test plan resolver: the part of the username before "_" is the plan."""
    user = request.user
    if not user.is_authenticated:
        return None
    name = user.get_username()
    return name.split("_", 1)[0] if "_" in name else None


def tenant_key(request: HttpRequest) -> str | None:
    """Test key callable: the tenant query parameter."""
    return request.GET.get("tenant")
