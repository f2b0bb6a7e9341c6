from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

from django.test import RequestFactory

from infra_core.logging import log_security_event, measure


def test_measure_context_manager_logs_duration(json_logs) -> None:
    with measure("db.report") as timer:
        time.sleep(0.01)
    assert timer.elapsed_ms is not None and timer.elapsed_ms >= 10
    line = json_logs.by_logger("infra_core.timing")[-1]
    assert line["timer"] == "db.report"
    assert line["duration_ms"] >= 10
    assert line["failed"] is False


def test_measure_decorator_concurrent_calls_time_independently(json_logs) -> None:
    @measure("work")
    def work(delay: float) -> float:
        time.sleep(delay)
        return delay

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, [0.01, 0.05, 0.01, 0.05]))
    durations = sorted(r["duration_ms"] for r in json_logs.by_logger("infra_core.timing"))
    assert len(durations) == 4
    assert durations[0] < 45 and durations[-1] >= 50


def test_measure_slow_threshold_skips_fast_runs(json_logs) -> None:
    with measure("fast", slow_ms=1000):
        pass
    assert json_logs.by_logger("infra_core.timing") == []


def test_measure_slow_threshold_logs_slow_runs_as_warning(json_logs) -> None:
    with measure("slowish", slow_ms=1):
        time.sleep(0.01)
    assert json_logs.by_logger("infra_core.timing")[-1]["level"] == "WARNING"


def test_measure_exception_is_logged_as_failed_and_propagates(json_logs) -> None:
    try:
        with measure("broken", level=logging.INFO):
            raise ValueError("x")
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("exception swallowed")
    assert json_logs.by_logger("infra_core.timing")[-1]["failed"] is True


def test_log_security_event_carries_client_ip_and_event(json_logs) -> None:
    request = RequestFactory().post("/login/", REMOTE_ADDR="203.0.113.9")
    log_security_event("login_failed", request=request, username="ann", password="pw-leak")
    line = json_logs.by_logger("infra_core.security")[-1]
    assert line["security_event"] == "login_failed"
    assert line["client_ip"] == "203.0.113.9"
    assert line["method"] == "POST"
    assert line["username"] == "ann"
    assert "pw-leak" not in json_logs.text


def test_log_security_event_is_counted_in_metrics() -> None:
    from infra_core.metrics.definitions import SECURITY_EVENTS

    before = SECURITY_EVENTS.labels(event="probe_test")._value.get()
    log_security_event("probe_test")
    assert SECURITY_EVENTS.labels(event="probe_test")._value.get() == before + 1
