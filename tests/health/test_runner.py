from __future__ import annotations

import time

import pytest

from infra_core.health.base import HealthCheck, Overall, Status
from infra_core.health.runner import run_checks
from tests.health.checks_for_tests import (
    SECRET,
    CountingCheck,
    ExitCheck,
    FailCheck,
    RaisingCheck,
    SleepCheck,
    WarnCheck,
)


def make(
    cls: type[HealthCheck],
    name: str,
    *,
    critical: bool = True,
    timeout: float = 1.0,
    **opts: object,
) -> HealthCheck:
    return cls(name=name, critical=critical, timeout=timeout, **opts)


def test_run_checks_all_pass_is_healthy() -> None:
    report = run_checks(
        [make(CountingCheck, "a"), make(CountingCheck, "b")], deadline=2, max_workers=4
    )
    assert report.status is Overall.HEALTHY
    assert [r.status for r in report.results] == [Status.OK, Status.OK]


def test_run_checks_critical_failure_is_unhealthy() -> None:
    report = run_checks([make(CountingCheck, "a"), make(FailCheck, "b")], deadline=2, max_workers=4)
    assert report.status is Overall.UNHEALTHY
    assert report.results[1].message == "dependency down"


def test_run_checks_noncritical_failure_is_degraded() -> None:
    report = run_checks(
        [make(CountingCheck, "a"), make(FailCheck, "b", critical=False)], deadline=2, max_workers=4
    )
    assert report.status is Overall.DEGRADED


def test_run_checks_warning_on_critical_check_is_degraded() -> None:
    report = run_checks([make(WarnCheck, "w", critical=True)], deadline=2, max_workers=4)
    assert report.status is Overall.DEGRADED
    assert report.results[0].status is Status.WARN


def test_run_checks_unexpected_exception_message_stays_out_of_result(json_logs) -> None:
    report = run_checks([make(RaisingCheck, "boom")], deadline=2, max_workers=4)
    result = report.results[0]
    assert result.status is Status.FAIL
    assert SECRET not in result.message
    assert "unexpected error" in result.message
    [record] = json_logs.by_logger("infra_core.health")
    assert "boom" in record["message"] and "RuntimeError" in record["message"]
    assert "Traceback" in record["traceback"]


def test_run_checks_unexpected_exception_secret_is_masked_in_logs(json_logs) -> None:
    run_checks([make(RaisingCheck, "boom")], deadline=2, max_workers=4)
    assert json_logs.records
    assert SECRET not in json_logs.text


def test_run_checks_hanging_check_times_out_within_its_timeout() -> None:
    start = time.monotonic()
    report = run_checks(
        [make(SleepCheck, "hang", timeout=0.3, seconds=10), make(CountingCheck, "ok")],
        deadline=2,
        max_workers=4,
    )
    elapsed = time.monotonic() - start
    assert report.results[0].status is Status.TIMEOUT
    assert report.results[1].status is Status.OK
    assert elapsed < 0.3 * 3


def test_run_checks_overall_deadline_cuts_longer_check_timeouts() -> None:
    start = time.monotonic()
    report = run_checks(
        [make(SleepCheck, "hang", timeout=30, seconds=10)], deadline=0.4, max_workers=2
    )
    assert report.results[0].status is Status.TIMEOUT
    assert time.monotonic() - start < 0.4 * 3


def test_run_checks_still_running_check_is_not_started_twice() -> None:
    hang = make(SleepCheck, "hang", timeout=0.2, seconds=10)
    run_checks([hang], deadline=1, max_workers=2)
    second = run_checks([hang], deadline=1, max_workers=2)
    assert second.results[0].status is Status.TIMEOUT
    assert "still running" in second.results[0].message


def test_run_checks_saturated_pool_still_answers_within_deadline() -> None:
    hangs = [make(SleepCheck, f"hang{i}", timeout=5, seconds=10) for i in range(3)]
    start = time.monotonic()
    report = run_checks([*hangs, make(CountingCheck, "queued")], deadline=0.5, max_workers=3)
    assert time.monotonic() - start < 0.5 * 3
    assert report.status is Overall.UNHEALTHY
    assert {r.status for r in report.results} == {Status.TIMEOUT}


@pytest.mark.parametrize("count", [1, 6])
def test_run_checks_runs_checks_concurrently(count: int) -> None:
    checks = [make(SleepCheck, f"s{i}", timeout=2, seconds=0.3) for i in range(count)]
    start = time.monotonic()
    report = run_checks(checks, deadline=2, max_workers=8)
    assert all(r.status is Status.OK for r in report.results)
    # Sequential would take count * 0.3 s; concurrent stays near one sleep.
    assert time.monotonic() - start < 0.3 + 0.9


def test_run_checks_system_exit_in_check_is_a_failure_not_a_crash() -> None:
    report = run_checks([make(ExitCheck, "exit")], deadline=2, max_workers=2)
    assert report.results[0].status is Status.FAIL
    assert report.status is Overall.UNHEALTHY
