from __future__ import annotations

from infra_core.metrics.definitions import OBSERVER_ERRORS
from infra_core.observe import observer_failed


def _count(component: str) -> float:
    return float(OBSERVER_ERRORS.labels(component=component)._value.get())


def test_observer_failed_counts_every_time_logs_once_a_minute(caplog) -> None:
    before = _count("unit-observer")
    with caplog.at_level("WARNING", logger="infra_core.observe"):
        observer_failed("unit-observer", RuntimeError("boom"), now=1000.0)
        observer_failed("unit-observer", RuntimeError("boom"), now=1030.0)
        observer_failed("unit-observer", RuntimeError("boom"), now=1061.0)
    assert _count("unit-observer") == before + 3
    logged = [r for r in caplog.records if "unit-observer" in r.getMessage()]
    assert len(logged) == 2
