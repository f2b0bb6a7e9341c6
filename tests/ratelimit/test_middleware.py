"""``RateLimitMiddleware``: rules by path and URL name, default rule, exemptions, headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

pytestmark = pytest.mark.urls("tests.ratelimit.urls")
MIDDLEWARE = "infra_core.middleware.RateLimitMiddleware"


@pytest.fixture
def limited(settings: SettingsWrapper) -> Any:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]

    def configure(**infra: Any) -> None:
        settings.INFRA_CORE = {
            "RATELIMIT_RATES": {"api": "2/m", "named": "1/m", "all": "1/m"},
            **infra,
        }

    return configure


def _statuses(client: Client, path: str, n: int, client_id: str) -> list[int]:
    return [client.get(path, HTTP_X_CLIENT=client_id).status_code for _ in range(n)]


def test_middleware_path_rule_limits_matching_prefix(
    limited: Any, client: Client, client_id: str
) -> None:
    limited(RATELIMIT_RULES=[{"path": "/api/", "scope": "api", "key": "header:X-Client"}])
    assert _statuses(client, "/api/plain/", 3, client_id) == [200, 200, 429]


def test_middleware_path_rule_skips_other_paths(
    limited: Any, client: Client, client_id: str
) -> None:
    limited(RATELIMIT_RULES=[{"path": "/api/", "scope": "api", "key": "header:X-Client"}])
    assert _statuses(client, "/named/", 4, client_id) == [200] * 4


def test_middleware_url_name_rule_limits_that_route(
    limited: Any, client: Client, client_id: str
) -> None:
    limited(RATELIMIT_RULES=[{"url_name": "rl-named", "scope": "named", "key": "header:X-Client"}])
    assert _statuses(client, "/named/", 2, client_id) == [200, 429]


def test_middleware_default_rule_covers_unmatched_views(
    limited: Any, client: Client, client_id: str
) -> None:
    limited(RATELIMIT_DEFAULT_RULE={"scope": "all", "key": "header:X-Client"})
    assert _statuses(client, "/other/", 2, client_id) == [200, 429]


@pytest.mark.parametrize("path", ["/health/", "/ready/", "/live/", "/metrics"])
def test_middleware_infra_core_endpoints_are_never_limited(
    limited: Any, client: Client, client_id: str, path: str
) -> None:
    limited(RATELIMIT_DEFAULT_RULE={"scope": "all", "key": "header:X-Client"})
    responses = [client.get(path, HTTP_X_CLIENT=client_id) for _ in range(3)]
    assert all(r.status_code != 429 and "X-RateLimit-Limit" not in r for r in responses)


def test_middleware_exempt_paths_setting_skips_prefix(
    limited: Any, client: Client, client_id: str
) -> None:
    limited(
        RATELIMIT_DEFAULT_RULE={"scope": "all", "key": "header:X-Client"},
        RATELIMIT_EXEMPT_PATHS=["/other/"],
    )
    assert _statuses(client, "/other/", 3, client_id) == [200] * 3


def test_middleware_allowed_response_carries_headers(
    limited: Any, client: Client, client_id: str
) -> None:
    limited(RATELIMIT_RULES=[{"path": "/api/", "scope": "api", "key": "header:X-Client"}])
    response = client.get("/api/plain/", HTTP_X_CLIENT=client_id)
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("2", "1")


def test_middleware_blocked_answer_is_envelope_with_retry_after(
    limited: Any, client: Client, client_id: str
) -> None:
    limited(RATELIMIT_RULES=[{"path": "/api/", "scope": "api", "key": "header:X-Client"}])
    _statuses(client, "/api/plain/", 2, client_id)
    blocked = client.get("/api/plain/", HTTP_X_CLIENT=client_id)
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert int(blocked["Retry-After"]) >= 1


def test_middleware_unlimited_plan_rate_sends_no_headers(
    limited: Any, client: Client, client_id: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {
        "RATELIMIT_RATES": {"api": {"basic": None}},
        "RATELIMIT_RULES": [{"path": "/api/", "scope": "api", "key": "header:X-Client"}],
    }
    responses = [client.get("/api/plain/", HTTP_X_CLIENT=client_id) for _ in range(3)]
    assert all(r.status_code == 200 and "X-RateLimit-Limit" not in r for r in responses)


def test_middleware_async_stack_limits_async_view(limited: Any, client_id: str) -> None:
    import asyncio

    from django.test import AsyncClient

    limited(RATELIMIT_RULES=[{"url_name": "rl-async", "scope": "named", "key": "header:X-Client"}])

    async def run() -> list[int]:
        c = AsyncClient()
        return [
            (await c.get("/async/", headers={"X-Client": client_id})).status_code for _ in range(2)
        ]

    # The decorator allows 3/m; the middleware rule (1/m) blocks the second request first.
    assert asyncio.run(run()) == [200, 429]
