from __future__ import annotations

import random

import pytest

from infra_core.tasks.policy import RetryPolicy


def test_delay_without_jitter_doubles_each_retry() -> None:
    policy = RetryPolicy(base_delay=2.0, jitter=0.0)
    assert [policy.delay(n) for n in range(4)] == [2.0, 4.0, 8.0, 16.0]


def test_delay_large_retry_count_is_capped_at_max_delay() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0, jitter=0.5)
    assert all(policy.delay(20, rng=random.Random(seed)) <= 30.0 for seed in range(50))


def test_delay_with_jitter_stays_within_fraction() -> None:
    policy = RetryPolicy(base_delay=10.0, jitter=0.2)
    delays = [policy.delay(0, rng=random.Random(seed)) for seed in range(50)]
    assert all(8.0 <= d <= 10.0 for d in delays) and len(set(delays)) > 1


def test_should_retry_unlisted_exception_is_false() -> None:
    policy = RetryPolicy(retry_on=(ConnectionError,))
    assert not policy.should_retry(ValueError("x"), 0)


def test_should_retry_after_max_retries_is_false() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(RuntimeError(), 1) and not policy.should_retry(RuntimeError(), 2)


def test_policy_negative_max_retries_names_value() -> None:
    with pytest.raises(ValueError, match="max_retries=-1"):
        RetryPolicy(max_retries=-1)
