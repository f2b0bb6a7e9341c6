"""CircuitBreaker state machine with an injected clock."""

from __future__ import annotations

import pytest

from infra_core.metrics.definitions import BREAKER_STATE, BREAKER_TRANSITIONS
from infra_core.redis import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _breaker(clock: Clock, name: str = "t") -> CircuitBreaker:
    return CircuitBreaker(f"test:{name}", failures=3, cooldown=5.0, clock=clock)


def test_breaker_fewer_failures_than_threshold_stays_closed(clock: Clock) -> None:
    breaker = _breaker(clock)
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()


def test_breaker_success_resets_consecutive_count(clock: Clock) -> None:
    breaker = _breaker(clock)
    for _ in range(2):
        breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED


def test_breaker_threshold_failures_open_and_refuse(clock: Clock) -> None:
    breaker = _breaker(clock)
    for _ in range(3):
        breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()
    assert breaker.retry_after() == pytest.approx(5.0)


def test_breaker_after_cooldown_allows_exactly_one_trial(clock: Clock) -> None:
    breaker = _breaker(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.now += 5.1
    assert [breaker.allow() for _ in range(3)] == [True, False, False]
    assert breaker.state is BreakerState.HALF_OPEN


def test_breaker_successful_trial_closes(clock: Clock) -> None:
    breaker = _breaker(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.now += 6
    breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()


def test_breaker_failed_trial_reopens_for_full_cooldown(clock: Clock) -> None:
    breaker = _breaker(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.now += 6
    breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert breaker.retry_after() == pytest.approx(5.0)


def test_breaker_transitions_set_gauge_and_count(clock: Clock) -> None:
    breaker = _breaker(clock, "metrics")
    before = BREAKER_TRANSITIONS.labels(name="test:metrics", state="open")._value.get()
    for _ in range(3):
        breaker.record_failure()
    assert BREAKER_STATE.labels(name="test:metrics")._value.get() == 1
    assert BREAKER_TRANSITIONS.labels(name="test:metrics", state="open")._value.get() == before + 1
    clock.now += 6
    breaker.allow()
    breaker.record_success()
    assert BREAKER_STATE.labels(name="test:metrics")._value.get() == 0


def test_breaker_logs_once_per_transition_not_per_failure(clock: Clock, json_logs: object) -> None:
    breaker = _breaker(clock, "logs")
    for _ in range(10):
        breaker.record_failure()
        breaker.allow()
    lines = json_logs.by_logger("infra_core.redis")  # type: ignore[attr-defined]
    assert [line["breaker_state"] for line in lines] == ["open"]
