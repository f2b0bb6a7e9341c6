"""Accept headers: JSON or problem+json envelope (or Django's HTML page for browsers), never a 500.

Cases E-01 and Q-07 of the reliability catalogue (docs/reliability.md).
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import JsonLogCapture
from tests.hostile.conftest import (
    BOUNDED,
    HOSTILE_CHARS,
    QUICK,
    assert_clean_logs,
    assert_envelope,
    assert_no_traceback,
    reset,
)

pytestmark = pytest.mark.django_db

TYPES = ["application/json", "application/problem+json", "text/html", "application/xhtml+xml",
         "*/*", "text/*", "application/*", "image/png", "", "*", "/", ";",
         "text/html;q=0"]  # fmt: skip
media = st.builds(
    lambda t, q, junk: f"{t}{q}{junk}",
    st.sampled_from(TYPES),
    st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", ";q=2", ";q=-1", ";q=abc", ";q=", ";level=1"]),
    st.sampled_from(["", " ", ";", ",", "\t"]),
)
accepts = st.one_of(
    st.lists(media, max_size=6).map(", ".join),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz/*;=,.+0123456789 " + HOSTILE_CHARS, max_size=80),
    st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=80),
)
URLS = ["/api/raise/not_found/", "/api/raise/key_error/", "/api/raise/validation/",
        "/page/raise/not_found/", "/page/raise/key_error/", "/api/only-get/?post",
        "/nope/\x85"]  # fmt: skip


def _get(client: Client, url: str, accept: str) -> object:
    if url.endswith("?post"):
        return client.post(url[: -len("?post")], HTTP_ACCEPT=accept)
    return client.get(url, HTTP_ACCEPT=accept)


@pytest.mark.parametrize("fmt", ["envelope", "problem"])
@BOUNDED
@given(accept=accepts, url=st.sampled_from(URLS))
@example(accept="text/html;q=0.1, application/json", url="/page/raise/not_found/")
@example(accept="application/problem+json", url="/api/raise/key_error/")
@example(accept="text/html", url="/page/raise/key_error/")
def test_every_accept_header_gets_a_clean_error(
    fmt: str, accept: str, url: str, client: Client, json_logs: JsonLogCapture
) -> None:
    reset(json_logs)
    with override_settings(INFRA_CORE={"ERRORS_FORMAT": fmt}):
        response = _get(client, url, accept)
    assert response.status_code in (404, 405, 400, 500)  # type: ignore[attr-defined]
    kind = response["Content-Type"].split(";")[0]  # type: ignore[index]
    if kind == "text/html":
        assert_no_traceback(response)
        assert "secret" not in response.content.decode()  # type: ignore[attr-defined]
    else:
        error = assert_envelope(response, (400, 404, 405, 500))
        assert "secret" not in str(error)
        if fmt == "problem":
            assert kind == "application/problem+json"
    assert_clean_logs(json_logs, "secret model name")


@QUICK
@given(path=st.text(alphabet="abc/%0123456789" + HOSTILE_CHARS, min_size=1, max_size=40))
@example(path="%0Afake-line")
@example(path="%1B[2J")
@example(path="%C2%85next")  # NEL: a C1 control that splits lines for many log tools
@example(path="%E2%80%A8sep")  # U+2028 LINE SEPARATOR
def test_hostile_paths_leave_one_clean_json_line_per_record(
    path: str, client: Client, json_logs: JsonLogCapture
) -> None:
    reset(json_logs)
    response = client.get(f"/api/raise/key_error/{path}")
    assert response.status_code in (404, 500)
    for url in (f"/explode-{path}", f"/api/raise/{path}/"):
        client.get(url)
    assert_clean_logs(json_logs)
