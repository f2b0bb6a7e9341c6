"""``path("", include("infra_core.urls"))``: health/ready/live probes and /metrics."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from infra_core.health.views import health_view, live_view, ready_view
from infra_core.metrics.views import metrics_view

app_name = "infra_core"

urlpatterns: list[URLPattern | URLResolver] = [
    path("health/", health_view, name="health"),
    path("ready/", ready_view, name="ready"),
    path("live/", live_view, name="live"),
    path("metrics", metrics_view, name="metrics"),
]
