from __future__ import annotations

from django.urls import path

from tests.ops import views
from tests.urls import urlpatterns as base

urlpatterns = [
    path("ops/open/", views.fail_open_view, name="ops-open"),
    path("ops/closed/", views.fail_closed_view, name="ops-closed"),
    *base,
]
