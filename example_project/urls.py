from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from example_project import views
from infra_core.errors.views import handler400, handler403, handler404, handler500  # noqa: F401

urlpatterns = [
    path("", views.index, name="index"),
    path("admin/", admin.site.urls),
    path("demo/task/", views.publish_task, name="demo-task"),
    path("demo/limited/", views.limited, name="demo-limited"),
    path("api/", include("example_project.shop.urls")),
    path("", include("infra_core.urls")),
]
