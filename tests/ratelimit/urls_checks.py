"""A URLconf whose only view is rate limited; imported by the checks, never by a test directly."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from infra_core.ratelimit import rate_limit


@rate_limit("api")
def limited(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("limited/", limited)]
