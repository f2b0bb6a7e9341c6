"""``manage.py infra_ratelimit`` against the real Redis of the test settings."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.urls("tests.ratelimit.urls")


def test_infra_ratelimit_reset_readmits_blocked_identity(client: Client, client_id: str) -> None:
    for _ in range(3):
        client.get("/sync/", HTTP_X_CLIENT=client_id)
    assert client.get("/sync/", HTTP_X_CLIENT=client_id).status_code == 429
    out = io.StringIO()
    call_command("infra_ratelimit", "reset", "sync", f"header:x-client:{client_id}", stdout=out)
    assert "1 bucket(s)" in out.getvalue()
    assert client.get("/sync/", HTTP_X_CLIENT=client_id).status_code == 200


def test_infra_ratelimit_reset_leaves_other_identities(client: Client, client_id: str) -> None:
    for _ in range(3):
        client.get("/sync/", HTTP_X_CLIENT=client_id)
    call_command(
        "infra_ratelimit", "reset", "sync", "header:x-client:someone-else", stdout=io.StringIO()
    )
    assert client.get("/sync/", HTTP_X_CLIENT=client_id).status_code == 429


def test_infra_ratelimit_status_reports_redis_and_breaker() -> None:
    out = io.StringIO()
    call_command("infra_ratelimit", "status", stdout=out)
    report = json.loads(out.getvalue())
    assert report["shared"] is True
    assert report["redis"].startswith("ok")
    assert report["breaker"] == "closed"


@pytest.mark.django_db
def test_infra_ratelimit_purge_violations_deletes_only_old_rows() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from infra_core.ratelimit.models import RateLimitViolation

    now = timezone.now()
    for days, scope in ((40, "old"), (1, "new")):
        at = now - timedelta(days=days)
        RateLimitViolation.objects.create(
            scope=scope, key_kind="ip", key_digest="d", window_start=at, first_at=at, last_at=at
        )
    out = io.StringIO()
    call_command("infra_ratelimit", "purge-violations", "--older-than", "30d", stdout=out)
    assert "purged 1 " in out.getvalue()
    assert list(RateLimitViolation.objects.values_list("scope", flat=True)) == ["new"]


@pytest.mark.parametrize("value", ["1.5d", "30", "1x"])
def test_infra_ratelimit_purge_violations_rejects_a_bad_duration(value: str) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=r"is not a duration; use <number><s\|m\|h\|d\|w>"):
        call_command("infra_ratelimit", "purge-violations", "--older-than", value)
