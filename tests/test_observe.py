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


def test_inc_counts_the_labelled_child() -> None:
    from prometheus_client import CollectorRegistry, Counter

    from infra_core.observe import inc

    counter = Counter("unit_inc_total", "unit", ["kind"], registry=CollectorRegistry())
    inc(counter, kind="a")
    inc(counter, kind="a")
    assert counter.labels(kind="a")._value.get() == 2


def test_inc_failing_metric_is_counted_not_raised() -> None:
    from prometheus_client import CollectorRegistry, Counter

    from infra_core.observe import inc

    counter = Counter("unit_inc_bad_total", "unit", ["kind"], registry=CollectorRegistry())
    before = _count("metrics")
    inc(counter, wrong_label="x")  # prometheus_client raises ValueError for an unknown label
    assert _count("metrics") == before + 1
