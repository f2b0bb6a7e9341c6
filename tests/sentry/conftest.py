"""A real sentry-sdk client whose transport keeps envelopes in memory (no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

DSN = "http://public@127.0.0.1:9/1"  # never contacted: the transport below replaces HTTP


class MemoryTransport(Transport):
    """Keep every envelope the client would send."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    @property
    def raw(self) -> bytes:
        return b"".join(e.serialize() for e in self.envelopes)

    @property
    def events(self) -> list[dict[str, Any]]:
        found = []
        for envelope in self.envelopes:
            for item in envelope.items:
                if item.type == "event":
                    found.append(json.loads(item.get_bytes()))
        return found


@pytest.fixture
def sentry(settings: Any) -> Iterator[MemoryTransport]:
    """Initialise Sentry with infra_core.sentry.init_sentry and the in-memory transport."""
    from infra_core.sentry import init_sentry

    settings.ROOT_URLCONF = "tests.errors.urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.ErrorMiddleware"]
    transport = MemoryTransport()
    assert init_sentry({"SENTRY_DSN": DSN, "SENTRY_ENVIRONMENT": "test"}, transport=transport)
    try:
        yield transport
    finally:
        client = sentry_sdk.get_client()
        client.close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)


def flush() -> None:
    sentry_sdk.flush(timeout=2)
