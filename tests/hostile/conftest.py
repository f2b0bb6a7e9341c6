"""Shared checks of the hostile-input properties: a clean response, clean log lines, no secret."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

from tests.conftest import JsonLogCapture

# Every module here is bounded: the whole directory runs in well under a minute on 2 cores.
BOUNDED = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
QUICK = settings(BOUNDED, max_examples=25)

# What may never appear raw in one log line: C0 controls (newline, ESC, NUL...), DEL, the C1
# controls (NEL U+0085 and CSI U+009B among them) and the Unicode line/paragraph separators.
# Log shippers and terminals split or interpret every one of them.
RAW_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "', "line ")

#: Control characters, separators and escapes that try to break a header, a log or a terminal.
HOSTILE_CHARS = "\r\n\t\x00\x1b\x7f\x85\x9b\u2028\u2029 =\"'{}[]:,;%\\é☃"


def log_lines(cap: JsonLogCapture) -> list[str]:
    """Return the captured output split on "\\n" only (a record is exactly one such line)."""
    return [line for line in cap.text.split("\n") if line]


def assert_clean_logs(cap: JsonLogCapture, *secrets: str) -> list[dict[str, Any]]:
    """Every line is one JSON object with no raw control character and none of ``secrets``."""
    records = []
    for line in log_lines(cap):
        bad = RAW_CONTROL.search(line)
        assert bad is None, f"raw {bad.group()!r} in log line {line[:300]!r}"
        records.append(json.loads(line))
        for secret in secrets:
            assert secret not in line, f"secret {secret!r} in log line {line[:300]!r}"
    return records


def assert_no_secret(blob: str | bytes, secrets: Iterable[str], where: str) -> None:
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    for secret in secrets:
        assert secret not in text, f"secret {secret!r} found in {where}"


def assert_no_traceback(response: Any) -> None:
    body = response.content.decode("utf-8", "replace")
    assert "Traceback (most recent call last)" not in body, body[:500]
    assert 'File "/' not in body, body[:500]


def assert_envelope(response: Any, status: int | tuple[int, ...], code: str | None = None) -> Any:
    """The response is the JSON error envelope with ``status`` (and ``code``); return its error."""
    wanted = (status,) if isinstance(status, int) else status
    assert response.status_code in wanted, (response.status_code, response.content[:300])
    assert response["Content-Type"].split(";")[0] in (
        "application/json",
        "application/problem+json",
    )
    body = response.json()
    error = body.get("error", body)  # problem+json is flat
    assert isinstance(error["code"], str) and error["code"]
    if code is not None:
        assert error["code"] == code, error
    assert error["request_id"], error
    assert_no_traceback(response)
    return error


def reset(cap: JsonLogCapture) -> None:
    """Forget what was captured (between hypothesis examples)."""
    cap.stream.seek(0)
    cap.stream.truncate()


@pytest.fixture(autouse=True)
def hostile_stack(settings: Any) -> Any:
    """The test settings' middleware stack with ErrorMiddleware last, on the hostile URLconf."""
    settings.ROOT_URLCONF = "tests.hostile.urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.ErrorMiddleware"]
    settings.REST_FRAMEWORK = {
        "EXCEPTION_HANDLER": "infra_core.errors.drf.exception_handler",
        "UNAUTHENTICATED_USER": None,
    }
    return settings


@pytest.fixture
def client() -> Client:
    """A client that gets the response of a server error instead of the re-raised exception."""
    return Client(raise_request_exception=False)
