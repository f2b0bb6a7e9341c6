"""``manage.py example_seed``: the demo admin (only when no superuser exists) and demo items.

Idempotent: run it again and nothing is duplicated; an existing account is never touched.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from infra_core.db import acting_as

DEMO_ITEMS = (("kettle", 3900), ("teapot", 2500), ("mug", 900))


class Command(BaseCommand):
    help = "Create the demo admin (if no superuser exists) and the demo items (if missing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="demo")

    def handle(self, *args: Any, **options: Any) -> None:
        from example_project.shop.models import Item

        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            self.stdout.write("admin: an admin account exists, kept as it is")
        else:
            password = secrets.token_urlsafe(12)
            users.objects.create_superuser(options["username"], "", password)
            self.stdout.write(
                f"admin: created user {options['username']!r} with password {password!r}"
                " (shown once; `manage.py changepassword` sets another)"
            )
        created = 0
        with acting_as("cmd:example_seed"):
            for name, price in DEMO_ITEMS:
                _, new = Item.objects.get_or_create(name=name, defaults={"price_cents": price})
                created += new
        self.stdout.write(f"seed: {created} demo item(s) created, {len(DEMO_ITEMS) - created} kept")
        self.stdout.write(f"services: {services()}")


def services() -> str:
    """Say which database, cache and broker the settings chose (no passwords)."""
    from django.conf import settings
    from kombu.utils.url import maybe_sanitize_url

    db = settings.DATABASES["default"]
    where = (
        db["NAME"]
        if db["ENGINE"].endswith("sqlite3")
        else f"{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    cache = settings.CACHES["default"]
    cache_text = maybe_sanitize_url(cache.get("LOCATION") or "") or "local memory"
    broker = maybe_sanitize_url(settings.CELERY_BROKER_URL)
    if settings.CELERY_BROKER_URL == "filesystem://":
        broker = f"filesystem {settings.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in']}"
    return (
        f"database {db['ENGINE'].rsplit('.', 1)[-1]} {where}; cache {cache_text}; broker {broker}"
    )
