from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from infra_core.db.commands import ActorCommand
from tests.testapp.models_db import Article


class Command(ActorCommand):
    help = "Create or retitle an article (audit test helper)."
    actor = "cmd:retitle"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("title")
        parser.add_argument("--pk", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["pk"] is None:
            article = Article.objects.create(title=options["title"])
        else:
            article = Article.objects.get_by_id(options["pk"])
            article.title = options["title"]
            article.save()
        self.stdout.write(str(article.pk))
