"""Detailed /health/: anonymous callers, wrong tokens and non-staff users get the status only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from tests.access.conftest import HEALTH_TOKEN
from tests.conftest import JsonLogCapture

pytestmark = pytest.mark.django_db
WITH_TOKEN = override_settings(INFRA_CORE={"HEALTH_TOKEN": HEALTH_TOKEN})


def _body(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    return body["error"]["details"] if "error" in body else body


def _detailed(client: Client, **extra: Any) -> dict[str, Any]:
    response = client.get("/health/", **extra)
    assert response.status_code in (200, 503)
    assert "Set-Cookie" not in response
    return _body(response)


@WITH_TOKEN
@pytest.mark.parametrize(
    "header",
    [None, f"Bearer {HEALTH_TOKEN[:-1]}", f"Bearer {HEALTH_TOKEN}x", f"Basic {HEALTH_TOKEN}",
     HEALTH_TOKEN, "Bearer " + "x" * 5000],
    ids=["anonymous", "short", "long", "basic", "no-scheme", "huge"],
)  # fmt: skip
def test_without_the_right_credentials_only_the_status_is_shown(
    header: Any, client: Client, json_logs: JsonLogCapture
) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    body = _detailed(client, **extra)
    assert set(body) == {"status"}, body
    assert HEALTH_TOKEN not in json_logs.text
    if header and header.startswith("Bearer "):
        events = [r for r in json_logs.records if r.get("security_event") == "health_detail_denied"]
        assert len(events) == 1


@WITH_TOKEN
def test_the_right_token_sees_the_checks(client: Client) -> None:
    body = _detailed(client, HTTP_AUTHORIZATION=f"Bearer {HEALTH_TOKEN}")
    assert body.get("checks"), body


def test_a_non_staff_user_sees_only_the_status_and_staff_sees_the_checks(
    client: Client, django_user_model: Any
) -> None:
    client.force_login(django_user_model.objects.create_user("plain", password=None))
    assert set(_detailed(client)) == {"status"}
    inactive = django_user_model.objects.create_user("gone", password=None, is_staff=True)
    inactive.is_active = False
    inactive.save()
    gone = Client()
    gone.force_login(inactive)
    assert set(_detailed(gone)) == {"status"}
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("ops", password=None, is_staff=True))
    assert "checks" in _detailed(staff)
