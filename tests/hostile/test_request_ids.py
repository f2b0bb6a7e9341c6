"""Incoming request-id headers: a valid id is echoed, anything else replaced and never logged raw.

Cases Q-02, Q-03, Q-04, Q-05 of the reliability catalogue (docs/reliability.md).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from hypothesis import example, given
from hypothesis import strategies as st

from infra_core.request_id import is_valid_request_id
from tests.conftest import JsonLogCapture
from tests.hostile.conftest import (
    BOUNDED,
    HOSTILE_CHARS,
    QUICK,
    assert_clean_logs,
    assert_envelope,
    reset,
)

pytestmark = pytest.mark.django_db

SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
# What a WSGI server can hand over: any latin-1 text (headers are decoded as ISO-8859-1).
header_text = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=300)
hostile_ids = st.one_of(
    header_text,
    st.text(alphabet=SAFE + HOSTILE_CHARS, min_size=1, max_size=140),
    st.text(alphabet=SAFE, min_size=120, max_size=9000),  # around and far above 128 chars
    st.text(alphabet=SAFE, min_size=1, max_size=128),  # valid ones
)


@BOUNDED
@given(value=hostile_ids)
@example(value="abc\r\nX-Evil: 1")
@example(value="a" * 8000)
@example(value="\x1b[31mred\x1b[0m")
@example(value="id\x00nul")
@example(value="{3f2a0c1e-0000-4000-8000-000000000000}")
@example(value='rid" injected="1')
@example(value="rid\x85next-line")
def test_request_id_header_is_echoed_only_when_safe(
    value: str, client: Client, json_logs: JsonLogCapture
) -> None:
    reset(json_logs)
    response = client.get("/log/", HTTP_X_REQUEST_ID=value)
    assert response.status_code == 200
    rid = response["X-Request-ID"]
    assert is_valid_request_id(rid)
    assert "\n" not in rid and "\r" not in rid
    assert not any(h.lower() == "x-evil" for h in response.headers)
    records = assert_clean_logs(json_logs, "hunter2", "k-123")
    assert records, "the access log line is missing"
    assert all(r.get("request_id") == rid for r in records if "request_id" in r)
    if is_valid_request_id(value):
        assert rid == value
    else:
        assert rid != value
        if len(value) >= 6:  # a short value could occur by chance (a timestamp digit run)
            assert value not in json_logs.text
            assert json.dumps(value)[1:-1] not in json_logs.text
        # No log line grew with the rejected value.
        assert max(len(line) for line in json_logs.text.split("\n")) < 2048


@override_settings(ALLOWED_HOSTS=["testserver"])
@QUICK
@given(host=st.text(alphabet="evil.com:0123456789" + HOSTILE_CHARS, min_size=1, max_size=60))
@example(host="evil\x85\u2028.com")  # was raw in the disallowed_host security event line
@example(host="evil.com\r\nX-Evil: 1")
def test_a_refused_host_header_is_a_400_envelope_and_one_clean_log_line(
    host: str, client: Client, json_logs: JsonLogCapture
) -> None:
    reset(json_logs)
    response = client.get("/ping/", HTTP_HOST=host)
    if host == "testserver":
        return
    assert_envelope(response, 400, "bad_request")
    records = assert_clean_logs(json_logs)
    events = [r for r in records if r.get("security_event") == "disallowed_host"]
    assert len(events) == 1 and events[0]["host"] == host[:100]
