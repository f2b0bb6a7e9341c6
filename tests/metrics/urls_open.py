"""A URLconf that (wrongly) exposes django-prometheus's unprotected export view."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("infra_core.urls")),
    path("prom/", include("django_prometheus.urls")),
]
