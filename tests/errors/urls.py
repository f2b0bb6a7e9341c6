"""A root URLconf with infra_core's error handlers installed."""

from __future__ import annotations

from django.urls import include, path

from infra_core.errors.views import handler400, handler403, handler404, handler500  # noqa: F401
from tests.testapp import views, views_errors

urlpatterns = [
    path("ping/", views.ping, name="ping"),
    path("api/raise/<str:kind>/", views_errors.raise_kind, name="raise"),
    path("api/araise/<str:kind>/", views_errors.araise_kind, name="araise"),
    path("page/raise/<str:kind>/", views_errors.raise_kind, name="page-raise"),
    path("api/only-get/", views_errors.only_get, name="only-get"),
    path("api/too-many/", views_errors.too_many, name="too-many"),
    path("form/", views_errors.form_post, name="form"),
    path("api/leak-locals/", views_errors.leak_locals, name="leak-locals"),
    path("api/drf/<str:kind>/", views_errors.DrfRaise.as_view(), name="drf-raise"),
    path("", include("infra_core.urls")),
]
