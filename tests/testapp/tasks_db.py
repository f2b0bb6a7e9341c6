"""Tasks of the repository tests: audit fields written in a real worker."""

from __future__ import annotations

from infra_core.tasks import infra_task
from tests.testapp.models_db import Article


@infra_task(name="tests.db_create_article")
def create_article(title: str) -> int:
    return int(Article.objects.create(title=title).pk)


@infra_task(name="tests.db_retitle_article")
def retitle_article(pk: int, title: str) -> int:
    article = Article.objects.get_by_id(pk)
    article.title = title
    article.save()
    return int(article.version)
