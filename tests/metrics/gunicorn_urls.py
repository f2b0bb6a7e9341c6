from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def pid(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(os.getpid()))


urlpatterns = [
    path("pid/", pid, name="pid"),
    path("", include("infra_core.urls")),
]
