"""Access tests run through the test settings' middleware stack with ErrorMiddleware last."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

TOKEN = "metrics-token-0123456789abcdef"
HEALTH_TOKEN = "health-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def access_stack(settings: Any) -> Any:
    settings.ROOT_URLCONF = "tests.hostile.urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.ErrorMiddleware"]
    return settings


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    assert error["request_id"] == response["X-Request-ID"]
    return error
