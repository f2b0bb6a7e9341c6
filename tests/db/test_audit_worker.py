"""Audit fields written by a task in a real Celery worker carry the publishing user."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra_core import context
from tests.tasks.conftest import Worker, wait_until
from tests.testapp.models_db import Article

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("purge_queue")]


def test_worker_records_the_publishing_user(start_worker: Callable[..., Worker]) -> None:
    from tests.testapp.tasks_db import create_article, retitle_article

    start_worker()
    with context.bind(user_id="77"):
        create_article.delay("from a task")
    article = wait_until(lambda: Article.objects.filter(title="from a task").first(), 30, "ran")
    assert (article.created_by, article.updated_by) == ("77", "77")
    with context.bind(user_id="88"):
        retitle_article.delay(article.pk, "retitled")
    wait_until(lambda: Article.objects.filter(title="retitled").exists(), 30, "retitled")
    article.refresh_from_db()
    assert (article.created_by, article.updated_by, article.version) == ("77", "88", 2)
