"""Sentry with its real HTTP transport: a hung Sentry never slows a request; locals never leave."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.test import Client

from infra_core.sentry import init_sentry
from tests.sentry.conftest import MemoryTransport, flush


@pytest.fixture
def hung_sentry(blackhole: Any, settings: Any) -> Iterator[None]:
    settings.ROOT_URLCONF = "tests.errors.urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.ErrorMiddleware"]
    init_sentry({"SENTRY_DSN": f"http://public@127.0.0.1:{blackhole.port}/1"})
    try:
        yield
    finally:
        sentry_sdk.get_client().close(timeout=0.2)
        sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.usefixtures("hung_sentry")
def test_sentry_hung_server_does_not_delay_500_response() -> None:
    client = Client(raise_request_exception=False)
    start = time.monotonic()
    statuses = [client.get("/api/raise/key_error/").status_code for _ in range(5)]
    elapsed = time.monotonic() - start
    assert statuses == [500] * 5
    # Sending happens on sentry-sdk's worker thread; a blocking send would take seconds per event.
    assert elapsed < 3.0, elapsed


def test_sentry_frame_locals_never_sent(sentry: MemoryTransport) -> None:
    Client(raise_request_exception=False).get("/api/leak-locals/")
    flush()
    assert len(sentry.events) == 1
    frames = sentry.events[0]["exception"]["values"][-1]["stacktrace"]["frames"]
    assert not [f for f in frames if f.get("vars")]
    assert b"MIIlocalsecret" not in sentry.raw and b"localbearer123" not in sentry.raw
