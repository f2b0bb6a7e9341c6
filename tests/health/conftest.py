"""Reset per-process health state around every test."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from infra_core.health import drain, registry, reports, runner
from tests.health.checks_for_tests import CountingCheck, SleepCheck


@pytest.fixture(autouse=True)
def _fresh_health_state() -> Iterator[None]:
    reports.results_cache.clear()
    registry.reset()
    drain.stop_draining()
    CountingCheck.runs = 0
    SleepCheck.released.clear()
    try:
        yield
    finally:
        # Free any thread a test left blocked in SleepCheck, then forget state.
        SleepCheck.released.set()
        deadline = time.monotonic() + 5
        while runner._inflight and time.monotonic() < deadline:
            time.sleep(0.01)
        reports.results_cache.clear()
        registry.reset()
        drain.stop_draining()
