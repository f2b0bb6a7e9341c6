"""before_send through a real client: which exceptions and logs are dropped, what is tagged."""

from __future__ import annotations

import logging

import pytest
import sentry_sdk
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf

from infra_core import context, errors
from tests.sentry.conftest import MemoryTransport, flush


def _capture(exc: BaseException) -> None:
    try:
        raise exc
    except BaseException:
        sentry_sdk.capture_exception()
    flush()


@pytest.mark.parametrize(
    "exc",
    [
        errors.NotFoundError(),
        errors.ValidationError(),
        errors.RateLimitedError(retry_after=3),
        errors.ConflictError(),
        Http404(),
        PermissionDenied(),
        DisallowedHost("evil.example"),
        drf.Throttled(wait=3),
        drf.NotFound(),
    ],
    ids=repr,
)
def test_before_send_client_error_is_dropped(sentry: MemoryTransport, exc: BaseException) -> None:
    _capture(exc)
    assert sentry.events == []


@pytest.mark.parametrize(
    "exc", [errors.ExternalServiceError(), errors.ProgrammingError(), RuntimeError("x")], ids=repr
)
def test_before_send_server_error_is_sent(sentry: MemoryTransport, exc: BaseException) -> None:
    _capture(exc)
    assert len(sentry.events) == 1


def test_before_send_drf_server_error_is_sent(sentry: MemoryTransport) -> None:
    _capture(drf.APIException())  # status 500
    assert len(sentry.events) == 1


def test_before_send_security_logger_error_is_dropped(sentry: MemoryTransport) -> None:
    logging.getLogger("django.security.DisallowedHost").error("Invalid HTTP_HOST header")
    flush()
    assert sentry.events == []


def test_before_send_other_logger_error_is_sent(sentry: MemoryTransport) -> None:
    logging.getLogger("myapp.billing").error("invoice run failed")
    flush()
    assert len(sentry.events) == 1


def test_before_send_tags_context_values(sentry: MemoryTransport) -> None:
    with context.bind(request_id="rid-7", plan="pro", task_id="task-9", user_id="42"):
        _capture(RuntimeError("x"))
    event = sentry.events[0]
    assert {k: event["tags"][k] for k in ("request_id", "plan", "task_id")} == {
        "request_id": "rid-7",
        "plan": "pro",
        "task_id": "task-9",
    }
    assert event["user"] == {"id": "42"}


def test_before_send_user_hook_runs_after_filter(settings: object) -> None:
    from infra_core.sentry import init_sentry

    seen: list[str] = []

    def hook(event: dict, hint: dict) -> dict:  # type: ignore[type-arg]
        seen.append(event["tags"]["request_id"])
        return event

    transport = MemoryTransport()
    init_sentry({"SENTRY_DSN": "http://k@127.0.0.1:9/1"}, before_send=hook, transport=transport)
    try:
        with context.bind(request_id="rid-hook"):
            _capture(RuntimeError("x"))
            _capture(errors.NotFoundError())
        assert seen == ["rid-hook"]
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)
