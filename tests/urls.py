from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from tests.testapp import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ping/", views.ping, name="ping"),
    path("aping/", views.aping, name="aping"),
    path("log/", views.log_view, name="log"),
    path("items/<int:pk>/", views.item, name="item"),
    path("boom/", views.boom, name="boom"),
    path("slow/", views.slow, name="slow"),
    path("", include("infra_core.urls")),
]
