"""A whole worker is SIGKILLed with a task running and more queued: when has every message run?

Real worker processes on the run's Redis broker queue, with a 10 s visibility timeout and a restore
scan every second (the coherent setting docs/tasks.md#lost-workers describes; kombu's default
throttle scans only every 100 s, which alone would exceed this test's bound).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from django.core.cache import cache

from tests.tasks.conftest import Worker

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("purge_queue")]

VISIBILITY = 10.0  # longer than a worker start, so the start-up scan finds nothing yet
RESTORE_EVERY = 1.0
# A fresh worker's start (~2-5 s on the shared 2-core machine) + the short tasks, generously.
STARTUP_AND_RUN = 15.0


def test_worker_killed_whole_every_message_runs_within_visibility_plus_restore_scan(
    start_worker: Callable[..., Worker], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.testapp.tasks import sleep_once

    monkeypatch.setenv("INFRA_TEST_VISIBILITY_TIMEOUT", str(VISIBILITY))
    monkeypatch.setenv("INFRA_TEST_RESTORE_INTERVAL", str(RESTORE_EVERY))
    monkeypatch.setenv("INFRA_TEST_RESTORE_THROTTLE", "1")
    worker = start_worker()
    running = uuid.uuid4().hex
    queued = [uuid.uuid4().hex for _ in range(3)]
    sleep_once.delay(running, 60)
    for marker in queued:
        sleep_once.delay(marker, 0.1)
    deadline = time.monotonic() + 20
    while not cache.get(f"sleep-once:{running}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert cache.get(f"sleep-once:{running}"), "the long task never started"
    worker.kill_all()  # main process and pool: nobody is left to requeue the unacked message
    killed = time.monotonic()
    start_worker()  # the supervisor's replacement

    bound = VISIBILITY + RESTORE_EVERY + STARTUP_AND_RUN
    pending = {running, *queued}
    while pending and time.monotonic() - killed < bound:
        pending = {m for m in pending if not cache.get(f"sleep-once-done:{m}")}
        time.sleep(0.2)
    recovered = time.monotonic() - killed
    print(f"lost-worker recovery: every message ran {recovered:.1f}s after the kill")
    assert not pending, f"{len(pending)} message(s) still hidden {recovered:.1f}s after the kill"
    # The unacknowledged message cannot come back before its visibility timeout.
    assert recovered >= VISIBILITY
