from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import RequestFactory
from prometheus_client import REGISTRY

from infra_core.logging import log_security_event, measure, measure_job, measure_query

SLEEP = 0.03  # seconds; every timed sleep below is this short


def histogram(name: str, labels: dict[str, str]) -> tuple[float, float]:
    """Return (count, sum) of one histogram child."""
    count = REGISTRY.get_sample_value(f"{name}_count", labels) or 0.0
    total = REGISTRY.get_sample_value(f"{name}_sum", labels) or 0.0
    return count, total


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


def test_log_security_event_is_counted_in_metrics_by_known_kind() -> None:
    from infra_core.metrics.definitions import SECURITY_EVENTS

    before = SECURITY_EVENTS.labels(event="metrics_denied")._value.get()
    log_security_event("metrics_denied")
    assert SECURITY_EVENTS.labels(event="metrics_denied")._value.get() == before + 1


# --- async ------------------------------------------------------------------------------------
def test_measure_decorator_on_async_def_times_the_run(json_logs) -> None:
    @measure("async.work")
    async def work() -> str:
        await asyncio.sleep(SLEEP)
        return "done"

    assert asyncio.iscoroutinefunction(work)
    assert asyncio.run(work()) == "done"
    [line] = json_logs.by_logger("infra_core.timing")
    assert line["timer"] == "async.work"
    assert line["duration_ms"] >= SLEEP * 1000


def test_measure_async_with_times_the_block(json_logs) -> None:
    async def main() -> float | None:
        async with measure("async.block") as timer:
            await asyncio.sleep(SLEEP)
        return timer.elapsed_ms

    elapsed = asyncio.run(main())
    assert elapsed is not None and elapsed >= SLEEP * 1000
    assert json_logs.by_logger("infra_core.timing")[-1]["duration_ms"] >= SLEEP * 1000


def test_measure_async_decorator_concurrent_tasks_time_independently(json_logs) -> None:
    @measure("async.many")
    async def work(delay: float) -> float:
        await asyncio.sleep(delay)
        return delay

    async def main() -> None:
        # The long calls start first; a timer shared between calls would time them from the
        # later start of the short ones and log less than their sleep.
        long_calls = [asyncio.create_task(work(0.06)) for _ in range(2)]
        await asyncio.sleep(0.03)
        await asyncio.gather(work(0.01), work(0.01), *long_calls)

    asyncio.run(main())
    durations = sorted(r["duration_ms"] for r in json_logs.by_logger("infra_core.timing"))
    assert len(durations) == 4
    assert durations[0] >= 10 and durations[2] >= 60


def test_measure_async_exception_is_logged_as_failed_and_propagates(json_logs) -> None:
    @measure("async.broken")
    async def broken() -> None:
        await asyncio.sleep(0)
        raise ValueError("x")

    with pytest.raises(ValueError):
        asyncio.run(broken())
    assert json_logs.by_logger("infra_core.timing")[-1]["failed"] is True


def test_measure_sync_decorator_keeps_function_sync(json_logs) -> None:
    @measure("sync.work")
    def work() -> int:
        time.sleep(SLEEP)
        return 3

    assert not asyncio.iscoroutinefunction(work)
    assert work() == 3
    assert json_logs.by_logger("infra_core.timing")[-1]["duration_ms"] >= SLEEP * 1000


# --- query and job helpers --------------------------------------------------------------------
@pytest.mark.django_db
def test_measure_query_observes_histogram_and_logs_at_debug(json_logs) -> None:
    from django.contrib.auth.models import User

    labels = {"query": "users.count"}
    count, total = histogram("infra_core_db_query_duration_seconds", labels)
    logger = logging.getLogger("infra_core.timing")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with measure_query("users.count"):
            User.objects.count()
            time.sleep(SLEEP)
    finally:
        logger.setLevel(previous)
    after_count, after_total = histogram("infra_core_db_query_duration_seconds", labels)
    assert after_count == count + 1
    assert after_total - total >= SLEEP
    line = json_logs.by_logger("infra_core.timing")[-1]
    assert (line["level"], line["query"], line["timer"]) == (
        "DEBUG",
        "users.count",
        "query users.count",
    )
    assert line["duration_ms"] >= SLEEP * 1000


def test_measure_query_slow_threshold_still_observes_fast_runs(json_logs) -> None:
    labels = {"query": "fast.one"}
    count, _ = histogram("infra_core_db_query_duration_seconds", labels)
    with measure_query("fast.one", slow_ms=10_000):
        pass
    assert histogram("infra_core_db_query_duration_seconds", labels)[0] == count + 1
    assert json_logs.by_logger("infra_core.timing") == []


def test_measure_job_decorator_on_async_def_records_outcomes(json_logs) -> None:
    @measure_job("nightly.report")
    async def job(fail: bool) -> None:
        await asyncio.sleep(SLEEP)
        if fail:
            raise RuntimeError("boom")

    ok = {"job": "nightly.report", "outcome": "ok"}
    error = {"job": "nightly.report", "outcome": "error"}
    ok_before, ok_sum = histogram("infra_core_job_duration_seconds", ok)
    error_before, _ = histogram("infra_core_job_duration_seconds", error)
    asyncio.run(job(False))
    with pytest.raises(RuntimeError):
        asyncio.run(job(True))
    ok_after, ok_sum_after = histogram("infra_core_job_duration_seconds", ok)
    assert ok_after == ok_before + 1 and ok_sum_after - ok_sum >= SLEEP
    assert histogram("infra_core_job_duration_seconds", error)[0] == error_before + 1
    lines = json_logs.by_logger("infra_core.timing")
    assert [(r["job"], r["failed"]) for r in lines] == [
        ("nightly.report", False),
        ("nightly.report", True),
    ]
    assert all(r["duration_ms"] >= SLEEP * 1000 for r in lines)


def test_measure_job_sync_with_block_records_ok() -> None:
    labels = {"job": "sync.job", "outcome": "ok"}
    before, _ = histogram("infra_core_job_duration_seconds", labels)
    with measure_job("sync.job"):
        time.sleep(SLEEP)
    assert histogram("infra_core_job_duration_seconds", labels)[0] == before + 1


@pytest.mark.parametrize("bad", ["Has Spaces", "", "x" * 64, "1starts-with-digit"])
def test_measure_query_bad_name_raises_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="not a metric label value"):
        measure_query(bad)
