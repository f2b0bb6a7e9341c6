"""Every error kind, raised by an API view, answers the exact envelope with the request id."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from django.test import AsyncClient, Client

RID = "req-envelope-1"
GENERIC = "Internal server error."

# kind -> (status, code, message, details)
CASES: dict[str, tuple[int, str, str, Any]] = {
    "validation": (
        400,
        "validation_error",
        "The request data is invalid.",
        {"email": ["Enter a valid email."]},
    ),
    "bad_request": (400, "bad_request", "The request is malformed.", {}),
    "auth": (401, "authentication_required", "Authentication is required.", {}),
    "plan": (
        402,
        "plan_limit_exceeded",
        "Your plan's limit for this action is reached.",
        {"limit": 3},
    ),
    "forbidden": (
        403,
        "permission_denied",
        "You do not have permission to perform this action.",
        {},
    ),
    "feature": (403, "feature_not_available", "This feature is not available on your plan.", {}),
    "not_found": (404, "not_found", "No such invoice.", {}),
    "conflict": (
        409,
        "conflict",
        "The request conflicts with the current state of the resource.",
        {"version": 7},
    ),
    "rate_limited": (429, "rate_limited", "Too many requests.", {}),
    "external": (
        502,
        "external_service_error",
        "An external service failed to respond correctly.",
        {},
    ),
    "database": (503, "database_unavailable", "The database is unavailable; try again later.", {}),
    "cache": (503, "cache_unavailable", "The cache is unavailable; try again later.", {}),
    "queue": (503, "job_queue_unavailable", "The job queue is unavailable; try again later.", {}),
    "storage": (503, "storage_unavailable", "File storage is unavailable; try again later.", {}),
    "programming": (500, "internal_error", GENERIC, {}),
    "http404": (404, "not_found", "The requested resource was not found.", {}),
    "permission": (
        403,
        "permission_denied",
        "You do not have permission to perform this action.",
        {},
    ),
    "suspicious": (400, "bad_request", "The request is malformed.", {}),
    "django_bad_request": (400, "bad_request", "The request is malformed.", {}),
    "django_validation": (
        400,
        "validation_error",
        "The request data is invalid.",
        {"name": ["Too short."]},
    ),
    "key_error": (500, "internal_error", GENERIC, {}),
}


def _expected(kind: str) -> tuple[int, dict[str, Any]]:
    status, code, message, details = CASES[kind]
    body = {"error": {"code": code, "message": message, "details": details, "request_id": RID}}
    return status, body


@pytest.mark.parametrize("kind", sorted(CASES))
def test_envelope_sync_view_error_kind_answers_exact_envelope(kind: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(f"/api/raise/{kind}/", headers={"X-Request-ID": RID})
    status, body = _expected(kind)
    assert (response.status_code, response.json()) == (status, body)
    assert response["Content-Type"] == "application/json"
    assert response["X-Request-ID"] == RID


@pytest.mark.parametrize("kind", ["not_found", "conflict", "key_error", "permission"])
def test_envelope_async_view_error_kind_answers_exact_envelope(kind: str) -> None:
    client = AsyncClient(raise_request_exception=False)
    response = asyncio.run(client.get(f"/api/araise/{kind}/", headers={"X-Request-ID": RID}))
    status, body = _expected(kind)
    assert (response.status_code, response.json()) == (status, body)


@pytest.mark.parametrize("kind", ["key_error", "programming", "http404", "suspicious"])
def test_envelope_exception_text_never_reaches_client(kind: str) -> None:
    response = Client(raise_request_exception=False).get(f"/api/raise/{kind}/")
    assert b"secret" not in response.content
    assert b"Traceback" not in response.content


def test_envelope_unknown_route_answers_not_found_envelope() -> None:
    response = Client().get("/no/such/route/", headers={"X-Request-ID": RID})
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "The requested resource was not found.",
            "details": {},
            "request_id": RID,
        }
    }


def test_envelope_rate_limited_sets_retry_after() -> None:
    response = Client().get("/api/raise/rate_limited/")
    assert response["Retry-After"] == "30"


def test_envelope_wrong_method_answers_405_with_allow() -> None:
    response = Client().post("/api/only-get/", headers={"X-Request-ID": RID})
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    error = response.json()["error"]
    assert (error["code"], error["details"], error["request_id"]) == (
        "method_not_allowed",
        {"allowed": ["GET"]},
        RID,
    )


def test_envelope_csrf_failure_answers_403_csrf_failed(settings: Any) -> None:
    settings.CSRF_FAILURE_VIEW = "infra_core.errors.views.csrf_failure"
    client = Client(enforce_csrf_checks=True)
    response = client.post("/form/", headers={"X-Request-ID": RID})
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["code"], error["request_id"]) == ("csrf_failed", RID)
    assert error["details"]["reason"]


def test_envelope_unhandled_error_is_logged_with_traceback(json_logs: Any) -> None:
    Client(raise_request_exception=False).get("/api/raise/key_error/")
    records = json_logs.by_logger("django.request")
    assert any(r["level"] == "ERROR" and "KeyError" in json_logs.text for r in records)


def test_envelope_unhandled_error_reraised_by_test_client() -> None:
    # got_request_exception is sent, as Django's own handler does: the test client re-raises.
    with pytest.raises(KeyError):
        Client().get("/api/raise/key_error/")


def test_envelope_client_error_is_logged_as_warning_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="django.request")  # logging_config() sets ERROR
    Client().get("/api/raise/conflict/")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [(r.levelname, r.status_code, r.exc_info) for r in records] == [("WARNING", 409, None)]


def test_envelope_disallowed_host_answers_400_without_echoing_host(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    response = Client().get("/ping/", HTTP_HOST="evil-secret.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert b"evil-secret" not in response.content
