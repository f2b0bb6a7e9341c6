"""A 500 through Django's real WSGIHandler: the event carries URL, method and filtered headers.

sentry-sdk fills ``request.url/method/headers`` in its patch of ``WSGIHandler.__call__``; the test
``Client`` bypasses that handler (it is a ``BaseHandler``), so these tests call the real one.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.sentry.conftest import MemoryTransport, flush

RID = "req-wsgi-1"
SECRETS = {
    "authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.d3NnaS1zaWduYXR1cmU",
    "cookie": "remember-cookie-4242",
    "api_key": "wsgi-apikey-31337",
    "query_token": "qs-token-8080",
}


def _wsgi_500() -> int:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/raise/key_error/",
        "QUERY_STRING": f"page=2&password={SECRETS['query_token']}",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT": "application/json",
        "HTTP_USER_AGENT": "infra-test/1.0",
        "HTTP_X_REQUEST_ID": RID,
        "HTTP_AUTHORIZATION": SECRETS["authorization"],
        "HTTP_COOKIE": f"remember={SECRETS['cookie']}",
        "HTTP_X_API_KEY": SECRETS["api_key"],
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses: list[str] = []
    # As Django's test Client does: the connection-recycling receivers would touch the test DB.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, lambda status, headers, *a: statuses.append(status))
        b"".join(response)
        getattr(response, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return int(statuses[0].split()[0])


def test_sentry_wsgi_500_event_has_url_method_and_headers(sentry: MemoryTransport) -> None:
    assert _wsgi_500() == 500
    flush()
    assert len(sentry.events) == 1
    request = sentry.events[0]["request"]
    assert request["url"] == "http://testserver/api/raise/key_error/"
    assert request["method"] == "GET"
    assert request["headers"]["User-Agent"] == "infra-test/1.0"
    assert request["headers"]["X-Request-Id"] == RID
    assert request["query_string"].startswith("page=2&password=")
    secret_headers = {k: request["headers"][k] for k in ("Authorization", "Cookie", "X-Api-Key")}
    assert set(secret_headers.values()) <= {"[REDACTED]", "[Filtered]"}


def test_sentry_wsgi_500_event_has_no_ip_env(sentry: MemoryTransport) -> None:
    _wsgi_500()
    flush()
    request = sentry.events[0]["request"]
    assert "REMOTE_ADDR" not in request.get("env", {})
    assert "127.0.0.1" not in json.dumps(sentry.events[0].get("user", {}))


def test_sentry_wsgi_500_event_contains_no_secret(sentry: MemoryTransport) -> None:
    _wsgi_500()
    flush()
    assert sentry.events, "no event captured: the scrub check would pass vacuously"
    raw = sentry.raw
    leaked = [name for name, value in SECRETS.items() if value.encode() in raw]
    assert leaked == []
