"""Redis stopped, paused (SIGSTOP) and restarted under cache-aside: fn's value, never an error.

The server is a throwaway redis-server on a free loopback port; only it is stopped or paused.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings

from infra_core.cache import bump, get_or_compute, increment, invalidate, versioned_key
from infra_core.cache import store as cache_store
from infra_core.redis import BreakerState, guarded
from infra_core.redis import reset as redis_reset
from tests.cache.conftest import sample
from tests.conftest import ThrowawayRedis

pytestmark = pytest.mark.integration
ALIAS = "outage"


@pytest.fixture
def outage_cache(throwaway_redis: ThrowawayRedis) -> Iterator[ThrowawayRedis]:
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        ALIAS: {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": throwaway_redis.url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 5, "SOCKET_TIMEOUT": 5},
        },
    }
    infra = {
        "REDIS_SOCKET_TIMEOUT": 0.1,
        "REDIS_BREAKER_FAILURES": 2,
        "REDIS_BREAKER_COOLDOWN": 0.3,
        "CACHE_LOCK_WAIT": 0.2,
    }
    with override_settings(CACHES=caches, INFRA_CORE=infra):
        try:
            yield throwaway_redis
        finally:
            if throwaway_redis.proc is not None and throwaway_redis.proc.poll() is None:
                os.kill(throwaway_redis.proc.pid, signal.SIGCONT)
            cache_store.reset()
            redis_reset()


def _calls(n: int, key: str = "k") -> list[object]:
    return [get_or_compute(f"{key}:{i % 3}", lambda i=i: i, ttl=60, alias=ALIAS) for i in range(n)]


def test_outage_stopped_server_every_call_returns_fn_value(outage_cache: ThrowawayRedis) -> None:
    outage_cache.stop()
    assert _calls(30) == list(range(30))


def test_outage_stopped_server_opens_breaker(outage_cache: ThrowawayRedis) -> None:
    outage_cache.stop()
    _calls(5)
    assert guarded(ALIAS).breaker.state is BreakerState.OPEN


def test_outage_errors_are_counted(outage_cache: ThrowawayRedis) -> None:
    outage_cache.stop()
    before = sample("infra_core_cache_errors_total", name="default", operation="read")
    _calls(5)
    assert sample("infra_core_cache_errors_total", name="default", operation="read") == before + 5


def test_outage_paused_server_every_call_returns_fn_value(outage_cache: ThrowawayRedis) -> None:
    _calls(3)  # connections open before the pause
    assert outage_cache.proc is not None
    os.kill(outage_cache.proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        results = _calls(30, key="paused")
        elapsed = time.monotonic() - started
    finally:
        os.kill(outage_cache.proc.pid, signal.SIGCONT)
    assert results == list(range(30))
    # Loose: 2 timeouts of 0.1 s open the breaker; 30 socket timeouts would take 3 s or more.
    assert elapsed < 2.5


def test_outage_open_breaker_adds_little_per_call(outage_cache: ThrowawayRedis) -> None:
    outage_cache.stop()
    _calls(5)
    started = time.perf_counter()
    _calls(200, key="open")
    per_call = (time.perf_counter() - started) / 200
    assert per_call < 0.01  # loose sanity only; bench/bench_cache.py measures the real figure


def test_outage_restarted_server_caching_resumes(outage_cache: ThrowawayRedis) -> None:
    outage_cache.stop()
    _calls(5)
    outage_cache.start()  # same port, empty memory
    time.sleep(0.4)  # past the breaker cooldown
    get_or_compute("after", lambda: "first", ttl=60, alias=ALIAS)
    get_or_compute("after", lambda: "first", ttl=60, alias=ALIAS)
    assert get_or_compute("after", lambda: "second", ttl=60, alias=ALIAS) == "first"


def test_outage_writes_are_dropped_without_raising(outage_cache: ThrowawayRedis) -> None:
    outage_cache.stop()
    assert invalidate("a", alias=ALIAS) == 0
    assert bump("ns", alias=ALIAS) is False
    assert increment("c", alias=ALIAS) is None


def test_outage_versioned_key_never_reuses_a_down_key(outage_cache: ThrowawayRedis) -> None:
    outage_cache.stop()
    assert versioned_key("ns", 1, alias=ALIAS) != versioned_key("ns", 1, alias=ALIAS)
