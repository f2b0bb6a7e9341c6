"""``@rate_limit`` on sync and async views, through the test client, against real Redis."""

from __future__ import annotations

import asyncio

import pytest
from django.test import AsyncClient, Client
from pytest_django.fixtures import Settings as SettingsWrapper

pytestmark = pytest.mark.urls("tests.ratelimit.urls")


def test_rate_limit_sync_view_over_limit_answers_429_envelope(
    client: Client, client_id: str
) -> None:
    statuses = [client.get("/sync/", HTTP_X_CLIENT=client_id).status_code for _ in range(4)]
    blocked = client.get("/sync/", HTTP_X_CLIENT=client_id)
    assert statuses == [200, 200, 200, 429]
    body = blocked.json()["error"]
    assert body["code"] == "rate_limited"
    assert body["details"]["limit"] == 3
    assert body["request_id"] == blocked["X-Request-ID"]


def test_rate_limit_blocked_response_has_integer_retry_after(
    client: Client, client_id: str
) -> None:
    for _ in range(3):
        client.get("/sync/", HTTP_X_CLIENT=client_id)
    retry = client.get("/sync/", HTTP_X_CLIENT=client_id)["Retry-After"]
    assert retry.isdigit()
    assert 1 <= int(retry) <= 60


def test_rate_limit_allowed_response_carries_limit_headers(client: Client, client_id: str) -> None:
    response = client.get("/sync/", HTTP_X_CLIENT=client_id)
    assert response["X-RateLimit-Limit"] == "3"
    assert response["X-RateLimit-Remaining"] == "2"
    assert 1 <= int(response["X-RateLimit-Reset"]) <= 60
    assert response["RateLimit-Policy"] == '"sync";q=3;w=60'
    assert response["RateLimit"].startswith('"sync";r=2;t=')


def test_rate_limit_different_keys_have_separate_budgets(client: Client, client_id: str) -> None:
    for _ in range(3):
        client.get("/sync/", HTTP_X_CLIENT=client_id)
    assert client.get("/sync/", HTTP_X_CLIENT=client_id + "x").status_code == 200


def test_rate_limit_missing_key_value_is_not_limited(client: Client) -> None:
    responses = [client.get("/sync/") for _ in range(5)]
    assert all(r.status_code == 200 and "X-RateLimit-Limit" not in r for r in responses)


def test_rate_limit_async_view_over_limit_answers_429(client_id: str) -> None:
    async def run() -> list[int]:
        client = AsyncClient()
        return [
            (await client.get("/async/", headers={"X-Client": client_id})).status_code
            for _ in range(4)
        ]

    assert asyncio.run(run()) == [200, 200, 200, 429]


def test_rate_limit_async_view_allowed_carries_headers(client_id: str) -> None:
    async def run() -> str:
        response = await AsyncClient().get("/async/", headers={"X-Client": client_id})
        return str(response["X-RateLimit-Remaining"])

    assert asyncio.run(run()) == "2"


def test_rate_limit_block_false_runs_view_and_flags_request(client: Client, client_id: str) -> None:
    first = client.get("/soft/", HTTP_X_CLIENT=client_id)
    second = client.get("/soft/", HTTP_X_CLIENT=client_id)
    assert (first.status_code, first.json()) == (200, {"limited": False})
    assert (second.status_code, second.json()) == (200, {"limited": True})


def test_rate_limit_disabled_setting_skips_limit(
    client: Client, client_id: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"RATELIMIT_ENABLED": False}
    statuses = {client.get("/sync/", HTTP_X_CLIENT=client_id).status_code for _ in range(5)}
    assert statuses == {200}


def test_rate_limit_block_logs_one_security_event_per_window(
    client: Client, client_id: str, json_logs: object
) -> None:
    for _ in range(6):
        client.get("/sync/", HTTP_X_CLIENT=client_id)
    events = [
        r
        for r in json_logs.by_logger("infra_core.security")  # type: ignore[attr-defined]
        if r.get("security_event") == "rate_limited"
    ]
    assert len(events) == 1
    assert events[0]["scope"] == "sync"
    assert client_id not in str(events[0])  # the identity is digested, never logged raw
