"""A sentry-sdk transport that appends each envelope as one JSON line to a file (no network).

A worker process started with ``INFRA_TEST_SENTRY_FILE`` initialises Sentry with it
(tests/celery_app.py); the test then reads what the worker would have sent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

ENV_FILE = "INFRA_TEST_SENTRY_FILE"
DSN = "http://public@127.0.0.1:9/1"  # never contacted: this transport replaces HTTP


class FileTransport(Transport):
    """Append ``{"pid", "raw", "events"}`` per envelope; one write per line (O_APPEND)."""

    def __init__(self, path: str | Path, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.path = Path(path)

    def capture_envelope(self, envelope: Envelope) -> None:
        events = [json.loads(item.get_bytes()) for item in envelope.items if item.type == "event"]
        line = {"pid": os.getpid(), "raw": envelope.serialize().decode(), "events": events}
        data = (json.dumps(line) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


def read_lines(path: str | Path) -> list[dict[str, Any]]:
    """Return the envelopes written to ``path`` (none if the file does not exist yet)."""
    file = Path(path)
    if not file.exists():
        return []
    return [json.loads(line) for line in file.read_text().splitlines() if line.strip()]


def init_from_env() -> bool:
    """Initialise infra_core's Sentry with a FileTransport when INFRA_TEST_SENTRY_FILE is set."""
    path = os.environ.get(ENV_FILE)
    if not path:
        return False
    from infra_core.sentry import init_sentry

    return init_sentry(
        {"SENTRY_DSN": DSN, "SENTRY_ENVIRONMENT": "test-worker"}, transport=FileTransport(path)
    )
