"""Real requests, real Sentry client: 4xx send nothing, a 500 sends one scrubbed event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from prometheus_client import REGISTRY

from tests.sentry.conftest import MemoryTransport, flush

# The session cookie in the 500 request makes auth look the session up.
pytestmark = pytest.mark.django_db

RID = "req-sentry-1"
SECRETS = {
    "password": "hunter2-pw-value",
    "bearer": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl",
    "cookie": "cookie-val-123456",
    "api_key": "apikey-777-value",
    "nested": "nested-token-999",
}


def _client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "path", ["/no/such/route/", "/api/raise/not_found/", "/api/raise/http404/"]
)
def test_sentry_404_sends_nothing(sentry: MemoryTransport, path: str) -> None:
    assert _client().get(path).status_code == 404
    flush()
    assert sentry.events == []


@pytest.mark.parametrize("path", ["/api/too-many/", "/api/raise/rate_limited/"])
def test_sentry_429_sends_nothing(sentry: MemoryTransport, path: str) -> None:
    assert _client().get(path).status_code == 429
    flush()
    assert sentry.events == []


def test_sentry_disallowed_host_sends_nothing(sentry: MemoryTransport, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    assert _client().get("/ping/", HTTP_HOST="evil.example").status_code == 400
    flush()
    assert sentry.events == []


def _post_500() -> Any:
    body = {"password": SECRETS["password"], "profile": {"api_token": SECRETS["nested"]}}
    return _client().post(
        "/api/raise/key_error/",
        data=json.dumps(body),
        content_type="application/json",
        headers={
            "X-Request-ID": RID,
            "Authorization": f"Bearer {SECRETS['bearer']}",
            "Cookie": f"sessionid={SECRETS['cookie']}",
            "X-Api-Key": SECRETS["api_key"],
        },
    )


def test_sentry_500_sends_one_event_tagged_with_request_id(sentry: MemoryTransport) -> None:
    assert _post_500().status_code == 500
    flush()
    assert len(sentry.events) == 1
    event = sentry.events[0]
    assert event["tags"]["request_id"] == RID
    assert event["exception"]["values"][-1]["type"] == "KeyError"


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_sentry_500_event_contains_no_secret(sentry: MemoryTransport, name: str) -> None:
    _post_500()
    flush()
    assert sentry.events, "no event captured: the scrub check would pass vacuously"
    assert SECRETS[name].encode() not in sentry.raw


def test_sentry_500_event_has_no_user_ip_or_email(sentry: MemoryTransport) -> None:
    _post_500()
    flush()
    user = sentry.events[0].get("user", {})
    assert "ip_address" not in user and "email" not in user


def test_sentry_scrub_failure_drops_event_and_counts(
    sentry: MemoryTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra_core.sentry import filters

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("scrubber bug")

    monkeypatch.setattr(filters, "scrub", broken)
    labels = {"component": "sentry"}
    before = REGISTRY.get_sample_value("infra_core_observer_errors_total", labels) or 0.0
    assert _post_500().status_code == 500
    flush()
    assert sentry.events == []
    assert REGISTRY.get_sample_value("infra_core_observer_errors_total", labels) == before + 1


def test_sentry_async_view_500_sends_one_event_tagged_with_request_id(
    sentry: MemoryTransport,
) -> None:
    import asyncio

    from django.test import AsyncClient

    client = AsyncClient(raise_request_exception=False)
    response = asyncio.run(client.get("/api/araise/key_error/", headers={"X-Request-ID": RID}))
    assert response.status_code == 500
    flush()
    assert [e["tags"]["request_id"] for e in sentry.events] == [RID]
