"""Request bodies for the error handler: malformed JSON, bodies over DATA_UPLOAD_MAX_MEMORY_SIZE,
wrong content types. Each is a 400/413/415 envelope, never a 500, and a body's secrets reach no
log line and no Sentry event even when the view fails.

Cases E-04, S-01, S-02, L-01, L-04 of the reliability catalogue (docs/reliability.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.test import Client, override_settings
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import JsonLogCapture
from tests.hostile.conftest import (
    BOUNDED,
    QUICK,
    assert_clean_logs,
    assert_envelope,
    assert_no_secret,
    reset,
)
from tests.sentry.conftest import DSN, MemoryTransport

pytestmark = pytest.mark.django_db

CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain",
                 "application/x-www-form-urlencoded", "multipart/form-data", "application/xml",
                 "", "application/json; charset=latin-1",
                 "application/merge-patch+json"]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
valid_json = json_values.map(lambda v: json.dumps(v).encode())
broken_json = st.one_of(
    st.binary(max_size=200),
    valid_json.map(lambda b: b[: max(0, len(b) - 1)]),  # truncated
    st.sampled_from([b"{", b'{"a":}', b"[1,]", b"NaN", b"\xff\xfe{}", b'{"a": "\xed\xa0\x80"}',
                     b"[" * 5000 + b"]" * 5000, b'"\\ud800"', b"{'a': 1}"]),
)  # fmt: skip
bodies = st.one_of(valid_json, broken_json)
LIMIT = 2048


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
@BOUNDED
@given(body=bodies, content_type=st.sampled_from(CONTENT_TYPES))
@example(body=b"[" * 5000 + b"]" * 5000, content_type="application/json")  # RecursionError?
@example(body=b"{" + b'"k": 1,' * 600 + b'"z": 0}', content_type="application/json")  # > limit
@example(body=b"\xff\xfe{}", content_type="application/json")
def test_drf_json_body_is_data_or_a_4xx_envelope(
    body: bytes, content_type: str, client: Client, json_logs: JsonLogCapture
) -> None:
    reset(json_logs)
    response = client.generic("POST", "/api/drf-echo/", body, content_type=content_type)
    if response.status_code == 200:  # DRF parses nothing when there is no body
        assert content_type.startswith("application/json") or body == b""
        return
    error = assert_envelope(response, (400, 413, 415))
    if len(body) > LIMIT and content_type.startswith("application/json"):
        assert response.status_code == 413 and error["code"] == "payload_too_large"
    assert_clean_logs(json_logs)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
@QUICK
@given(body=bodies, content_type=st.sampled_from(CONTENT_TYPES))
def test_plain_view_json_body_is_data_or_a_400_envelope(
    body: bytes, content_type: str, client: Client, json_logs: JsonLogCapture
) -> None:
    reset(json_logs)
    response = client.generic("POST", "/api/json/", body, content_type=content_type)
    if response.status_code != 200:
        assert_envelope(response, (400, 413))
    assert_clean_logs(json_logs)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
@pytest.mark.parametrize("size", [LIMIT + 1, 10 * 1024 * 1024])
def test_form_body_over_the_limit_is_a_413_envelope(size: int, client: Client) -> None:
    body = b"a=" + b"x" * size
    response = client.post("/api/form/", body, content_type="application/x-www-form-urlencoded")
    assert_envelope(response, 413, "payload_too_large")


@pytest.fixture
def sentry_sink() -> Iterator[MemoryTransport]:
    """infra_core.sentry.init_sentry with the in-memory transport of tests/sentry."""
    from infra_core.sentry import init_sentry

    transport = MemoryTransport()
    assert init_sentry({"SENTRY_DSN": DSN, "SENTRY_ENVIRONMENT": "test"}, transport=transport)
    try:
        yield transport
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)


SECRET_KEYS = ["password", "api_key", "token", "client_secret", "Authorization", "sessionid"]
secret_values = st.text(alphabet="abcdefghijkmnpqrstuvwxyz23456789", min_size=12, max_size=20)


@QUICK
@given(key=st.sampled_from(SECRET_KEYS), value=secret_values, nested=st.booleans())
@example(key="password", value="hunter2hunter2", nested=True)
def test_a_failing_view_leaks_no_body_secret_to_logs_or_sentry(
    key: str,
    value: str,
    nested: bool,
    client: Client,
    json_logs: JsonLogCapture,
    sentry_sink: MemoryTransport,
) -> None:
    reset(json_logs)
    sentry_sink.envelopes.clear()
    payload: dict[str, Any] = {"user": {key: value}} if nested else {key: value, "n": 1}
    response = client.post(
        "/api/crash/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {value}",
        HTTP_COOKIE=f"sessionid={value}",
    )
    error = assert_envelope(response, 500, "internal_error")
    assert value not in response.content.decode() and "handler bug" not in error["message"]
    records = assert_clean_logs(json_logs, value)
    assert any(r.get("logger") == "tests.hostile" for r in records)  # the line was logged
    sentry_sdk.flush(timeout=2)
    assert sentry_sink.events, "the 500 reached no Sentry event"
    assert_no_secret(sentry_sink.raw, [value], "the Sentry envelope")
