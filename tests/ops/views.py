"""Views the operations-kit scrape test exercises (mounted by tests/ops/urls.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from infra_core.ratelimit import rate_limit


@rate_limit("ops_open", key="header:X-Client", rate="1/m")
def fail_open_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@rate_limit("ops_closed", key="header:X-Client", rate="100/m")
def fail_closed_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
