"""WSGI app and URLconf of test_lease_gunicorn.py: ``/leased/`` limited in leased mode."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, JsonResponse
from django.urls import path

from infra_core.ratelimit import rate_limit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.ratelimit.lease_settings")
application = get_wsgi_application()


@rate_limit("leased", key="header:X-Client")
def leased(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"pid": os.getpid()})


urlpatterns = [path("leased/", leased)]
