from __future__ import annotations

import threading

from prometheus_client import REGISTRY

from infra_core.health.base import CheckResult, Overall, Status
from infra_core.health.reports import ResultCache, get_report
from infra_core.health.runner import Report
from tests.health.checks_for_tests import spec


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def report(status: Overall = Overall.HEALTHY) -> Report:
    return Report(status, (CheckResult("c", Status.OK, True, 1.0),))


def test_result_cache_reuses_report_until_ttl_expires() -> None:
    clock, calls = Clock(), []
    cache = ResultCache(clock)

    def compute() -> Report:
        calls.append(1)
        return report()

    cache.get("k", 2.0, compute, 1.0)
    clock.now += 1.9
    cache.get("k", 2.0, compute, 1.0)
    assert len(calls) == 1
    clock.now += 0.2
    cache.get("k", 2.0, compute, 1.0)
    assert len(calls) == 2


def test_result_cache_concurrent_callers_share_one_computation() -> None:
    cache = ResultCache()
    started, release, calls = threading.Event(), threading.Event(), []

    def compute() -> Report:
        calls.append(1)
        started.set()
        release.wait(5)
        return report()

    results: list[Report] = []
    leader = threading.Thread(target=lambda: results.append(cache.get("k", 5, compute, 5)))
    leader.start()
    assert started.wait(5)
    followers = [
        threading.Thread(target=lambda: results.append(cache.get("k", 5, compute, 5)))
        for _ in range(10)
    ]
    for t in followers:
        t.start()
    release.set()
    for t in [leader, *followers]:
        t.join(5)
    assert len(calls) == 1 and len(results) == 11


def test_result_cache_ttl_zero_keeps_nothing() -> None:
    cache, calls = ResultCache(Clock()), []
    for _ in range(3):
        cache.get("k", 0, lambda: calls.append(1) or report(), 1.0)
    assert len(calls) == 3


def test_get_report_records_status_and_duration_metrics(settings) -> None:
    settings.INFRA_CORE = {
        "HEALTH_CHECKS": [
            spec("CountingCheck", name="metric-ok"),
            spec("FailCheck", name="metric-bad"),
        ]
    }
    before = (
        REGISTRY.get_sample_value(
            "infra_core_health_check_duration_seconds_count", {"check": "metric-ok"}
        )
        or 0
    )
    get_report(use_cache=False)
    assert REGISTRY.get_sample_value("infra_core_health_check_up", {"check": "metric-ok"}) == 1
    assert REGISTRY.get_sample_value("infra_core_health_check_up", {"check": "metric-bad"}) == 0
    after = REGISTRY.get_sample_value(
        "infra_core_health_check_duration_seconds_count", {"check": "metric-ok"}
    )
    assert after == before + 1


def test_get_report_invalid_setting_is_unhealthy_not_an_exception(settings) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": ["no.such.Check"]}
    result = get_report(use_cache=False)
    assert result.status is Overall.UNHEALTHY
    assert result.results[0].name == "configuration"
