"""DRF exceptions answer the same envelope through infra_core.errors.drf.exception_handler."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

RID = "req-drf-1"


@pytest.mark.parametrize(
    ("kind", "status", "code", "details"),
    [
        ("validation", 400, "validation_error", {"email": ["Enter a valid email."]}),
        ("permission", 403, "permission_denied", {}),
        ("not_found", 404, "not_found", {}),
        ("throttled", 429, "rate_limited", {}),
        ("parse", 400, "bad_request", {}),
        ("conflict", 409, "conflict", {}),
        ("http404", 404, "not_found", {}),
        ("key_error", 500, "internal_error", {}),
    ],
)
def test_drf_exception_answers_envelope(kind: str, status: int, code: str, details: Any) -> None:
    response = Client(raise_request_exception=False).get(
        f"/api/drf/{kind}/", headers={"X-Request-ID": RID}
    )
    assert response.status_code == status
    error = response.json()["error"]
    assert (error["code"], error["details"], error["request_id"]) == (code, details, RID)
    assert "secret" not in response.content.decode()


def test_drf_throttled_sets_retry_after() -> None:
    assert Client().get("/api/drf/throttled/")["Retry-After"] == "12"


def test_drf_not_authenticated_answers_401_with_authenticate_header() -> None:
    response = Client().get("/api/drf/not_authenticated/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_required"
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.django_db
def test_drf_bad_credentials_answers_authentication_failed() -> None:
    token = base64.b64encode(b"nobody:wrong").decode()
    response = Client().get("/api/drf/permission/", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_drf_browser_accept_still_answers_json() -> None:
    response = Client().get("/api/drf/not_found/", headers={"Accept": "text/html"})
    assert response["Content-Type"] == "application/json"
