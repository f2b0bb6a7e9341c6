"""Views for the access-log user tests: one loads the user, one does not."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.urls import path

logger = logging.getLogger("tests.views")


def whoami(request: HttpRequest) -> JsonResponse:
    name = request.user.get_username()
    logger.info("inside view")
    return JsonResponse({"user": name})


def anonymous(request: HttpRequest) -> JsonResponse:
    logger.info("inside view")
    return JsonResponse({"ok": True})


urlpatterns = [
    path("whoami/", whoami, name="whoami"),
    path("anonymous/", anonymous, name="anonymous"),
]
