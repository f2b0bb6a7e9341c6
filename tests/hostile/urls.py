"""The hostile-input URLconf: the test views, the error views and infra_core's probes."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from infra_core.errors.views import handler400, handler403, handler404, handler500  # noqa: F401
from tests.hostile import views
from tests.testapp import views as app_views
from tests.testapp import views_db

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ping/", app_views.ping, name="ping"),
    path("log/", app_views.log_view, name="log"),
    path("api/drf-echo/", views.DrfEcho.as_view(), name="drf-echo"),
    path("api/json/", views.plain_json, name="plain-json"),
    path("api/form/", views.form_post, name="form"),
    path("api/crash/", views.crash_with_body, name="crash"),
    path("db/rows/", views_db.rows, name="db-rows"),
    path("", include("tests.errors.urls")),
]
