"""The repository tests' URLconf, with infra_core's error handlers."""

from __future__ import annotations

from django.urls import path

from infra_core.errors.views import handler400, handler403, handler404, handler500  # noqa: F401
from tests.testapp import views_db

urlpatterns = [
    path("db/rows/", views_db.rows, name="db-rows"),
    path("db/row-pages/", views_db.row_pages, name="db-row-pages"),
    path("db/articles/", views_db.articles, name="db-articles"),
    path("db/articles/<int:pk>/", views_db.article, name="db-article"),
    path("db/articles/<int:pk>/if-match/", views_db.article_if_match, name="db-article-if-match"),
    path("db/articles/<int:pk>/delete/", views_db.article_checked_delete, name="db-article-delete"),
    path("db/drf/rows/", views_db.DrfRows.as_view(), name="db-drf-rows"),
    path("db/drf/limited-rows/", views_db.DrfLimitedRows.as_view(), name="db-drf-limited-rows"),
    path("db/drf/articles/<int:pk>/", views_db.DrfArticle.as_view(), name="db-drf-article"),
]
