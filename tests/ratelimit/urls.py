from __future__ import annotations

from django.urls import include, path

from tests.ratelimit import views

urlpatterns = [
    path("hammer/", views.hammer, name="rl-hammer"),
    path("sync/", views.sync_view, name="rl-sync"),
    path("async/", views.async_view, name="rl-async"),
    path("short/", views.short_view, name="rl-short"),
    path("chat/", views.chat_view, name="rl-chat"),
    path("byip/", views.ip_view, name="rl-byip"),
    path("outage/", views.outage_view, name="rl-outage"),
    path("soft/", views.soft_view, name="rl-soft"),
    path("api/plain/", views.plain, name="rl-api-plain"),
    path("named/", views.plain, name="rl-named"),
    path("other/", views.plain, name="rl-other"),
    path("drf/", views.ThrottledAPI.as_view(), name="rl-drf"),
    path("", include("infra_core.urls")),
]
