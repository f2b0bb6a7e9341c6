from __future__ import annotations

from django.urls import include, path

from tests.reliability.stack import views

urlpatterns = [
    path("ping/", views.ping, name="ping"),
    path("pid/", views.pid, name="pid"),
    path("relopen/", views.limited_open, name="relopen"),
    path("relprobe/", views.limited_open_probe, name="relprobe"),
    path("relclosed/", views.limited_closed, name="relclosed"),
    path("exact1/", views.exact_one, name="exact1"),
    path("exact2/", views.exact_two, name="exact2"),
    path("cached/", views.cached, name="cached"),
    path("write/", views.write, name="write"),
    path("enqueue/", views.enqueue, name="enqueue"),
    path("", include("infra_core.urls")),
]
