"""Audit fields through a view (request user), a real Celery worker and a management command."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from infra_core import context
from tests.testapp.models_db import Article

pytestmark = pytest.mark.django_db


def test_view_records_the_logged_in_user_as_creator(client: Client) -> None:
    user = User.objects.create_user("writer")
    client.force_login(user)
    response = client.post("/db/articles/", '{"title": "a"}', content_type="application/json")
    assert response.status_code == 200
    assert response.json()["created_by"] == str(user.pk)
    assert Article.objects.get().updated_by == str(user.pk)


def test_view_update_by_another_user_changes_updated_by(client: Client) -> None:
    author, editor = User.objects.create_user("author"), User.objects.create_user("editor")
    with context.bind(user_id=str(author.pk)):
        article = Article.objects.create(title="a")
    client.force_login(editor)
    body = f'{{"title": "b", "version": {article.version}}}'
    client.patch(f"/db/articles/{article.pk}/", body, content_type="application/json")
    article.refresh_from_db()
    assert (article.created_by, article.updated_by) == (str(author.pk), str(editor.pk))


def test_anonymous_view_records_no_actor(client: Client) -> None:
    response = client.post("/db/articles/", '{"title": "a"}', content_type="application/json")
    assert response.json()["created_by"] == ""


def _run(*args: Any, **options: Any) -> int:
    out = io.StringIO()
    call_command("db_retitle", *args, stdout=out, **options)
    return int(out.getvalue())


def test_command_records_its_declared_default_actor() -> None:
    assert Article.objects.get(pk=_run("a")).created_by == "cmd:retitle"


def test_command_actor_option_overrides_the_default() -> None:
    pk = _run("a")
    _run("b", pk=pk, actor="ops:jane")
    article = Article.objects.get(pk=pk)
    assert (article.created_by, article.updated_by, article.version) == (
        "cmd:retitle", "ops:jane", 2
    )  # fmt: skip


def test_command_actor_does_not_leak_after_the_run() -> None:
    _run("a", actor="ops:jane")
    assert context.get_user_id() is None


def test_actor_command_without_declared_actor_records_its_command_name() -> None:
    from infra_core.db.commands import ActorCommand

    class Command(ActorCommand):
        def handle(self, *args: Any, **options: Any) -> None:
            self.stdout.write(Article.objects.create(title="x").created_by)

    Command.__module__ = "myproject.management.commands.backfill"
    out = io.StringIO()
    call_command(Command(stdout=out))
    assert out.getvalue().strip() == "cmd:backfill"
