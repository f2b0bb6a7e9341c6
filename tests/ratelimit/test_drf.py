"""``RateLimitThrottle`` on a DRF view, same engine, envelope via the errors DRF handler."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

pytestmark = pytest.mark.urls("tests.ratelimit.urls")


@pytest.fixture(autouse=True)
def _drf(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"RATELIMIT_RATES": {"drf": "2/m"}}
    settings.REST_FRAMEWORK = {"EXCEPTION_HANDLER": "infra_core.errors.drf.exception_handler"}


def test_throttle_over_limit_answers_429_envelope(client: Client, client_ip_addr: str) -> None:
    statuses = [client.get("/drf/", REMOTE_ADDR=client_ip_addr).status_code for _ in range(3)]
    blocked = client.get("/drf/", REMOTE_ADDR=client_ip_addr)
    assert statuses == [200, 200, 429]
    assert blocked.json()["error"]["code"] == "rate_limited"


def test_throttle_blocked_retry_after_is_integer_at_least_one(
    client: Client, client_ip_addr: str
) -> None:
    for _ in range(2):
        client.get("/drf/", REMOTE_ADDR=client_ip_addr)
    retry = client.get("/drf/", REMOTE_ADDR=client_ip_addr)["Retry-After"]
    assert retry.isdigit()
    assert int(retry) >= 1


def test_throttle_with_middleware_adds_limit_headers(
    client: Client, settings: SettingsWrapper, client_ip_addr: str
) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.RateLimitMiddleware"]
    response = client.get("/drf/", REMOTE_ADDR=client_ip_addr)
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("2", "1")
