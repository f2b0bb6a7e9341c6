"""Sentry in a real Celery worker: one scrubbed, tagged event per final failure, none for 4xx.

The worker initialises infra_core's Sentry (tests/celery_app.py) with a FileTransport when
INFRA_TEST_SENTRY_FILE is set; the envelopes it would send are read back from that file.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.celery_app  # noqa: F401 - imported here, so this process never sees the env var
from infra_core import context
from infra_core.tasks.models import DeadLetter
from tests.sentry.file_transport import ENV_FILE, read_lines
from tests.tasks.conftest import Worker, purge_queue, start_worker, wait_until  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("purge_queue")]

SECRETS = {
    "password": "pw-hunter2-in-kwargs",
    "api_token": "tok9f8e7d6c5b4a3",
}


@pytest.fixture
def sentry_file(
    start_worker: Callable[..., Worker],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Path]:
    """Start one worker whose Sentry client writes envelopes to the returned file."""
    path = tmp_path / "sentry.jsonl"
    monkeypatch.setenv(ENV_FILE, str(path))
    start_worker()
    monkeypatch.delenv(ENV_FILE)
    yield path


def _events(path: Path) -> list[dict[str, Any]]:
    return [event for line in read_lines(path) for event in line["events"]]


def _raw(path: Path) -> str:
    return "".join(line["raw"] for line in read_lines(path))


def _dead_letter(task_id: str) -> DeadLetter:
    return wait_until(
        lambda: DeadLetter.objects.filter(task_id=task_id).first(), 30, f"DLQ row {task_id}"
    )


def _settle(path: Path, task_id: str) -> list[dict[str, Any]]:
    """Wait for the final failure's DLQ row, then a moment for any late (duplicate) event."""
    _dead_letter(task_id)
    wait_until(lambda: _events(path), 10, "a Sentry event")
    time.sleep(1.0)
    return _events(path)


def test_sentry_worker_final_failure_sends_one_event_tagged_with_task_and_request_id(
    sentry_file: Path,
) -> None:
    from tests.testapp.tasks import not_retried

    rid = f"req-{uuid.uuid4().hex[:12]}"
    with context.bind(request_id=rid):
        result = not_retried.delay()
    events = _settle(sentry_file, result.id)
    assert len(events) == 1, [e.get("logger") or e.get("exception") for e in events]
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "KeyError"
    assert event["tags"]["task_id"] == result.id
    assert event["tags"]["request_id"] == rid


def test_sentry_worker_retried_task_sends_one_event_without_secrets(sentry_file: Path) -> None:
    from tests.testapp.tasks import sentry_leaks_secret

    rid = f"req-{uuid.uuid4().hex[:12]}"
    with context.bind(request_id=rid):
        result = sentry_leaks_secret.delay("ada", **SECRETS)
    assert _dead_letter(result.id).attempts == 2  # one retry, then the final failure
    events = _settle(sentry_file, result.id)
    assert len(events) == 1, [e.get("logger") or e.get("exception") for e in events]
    assert events[0]["tags"]["request_id"] == rid
    assert events[0]["exception"]["values"][-1]["type"] == "RuntimeError"
    raw = _raw(sentry_file)
    for name, value in SECRETS.items():
        assert value not in raw, name


def test_sentry_worker_not_found_error_sends_nothing(sentry_file: Path) -> None:
    from tests.testapp.tasks import not_retried, sentry_not_found

    result = sentry_not_found.delay(7)
    assert _dead_letter(result.id).exception_class.endswith("NotFoundError")
    # A 500-type failure after it proves the client was live and the 404 was dropped.
    control = not_retried.delay()
    events = _settle(sentry_file, control.id)
    assert [e["tags"]["task_id"] for e in events] == [control.id]
