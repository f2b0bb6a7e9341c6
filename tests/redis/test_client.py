"""The guarded client: django-redis aliases only, short timeouts, breaker, failure surfaced."""

from __future__ import annotations

import time

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core import redis as infra_redis
from infra_core.redis import BreakerState, NotRedisCache, RedisUnavailable, guarded
from tests.conftest import BlackHole, ThrowawayRedis


@pytest.fixture(autouse=True)
def _fresh() -> None:
    infra_redis.reset()


def _alias(settings: SettingsWrapper, url: str, **infra: object) -> str:
    settings.CACHES = {
        **settings.CACHES,
        "guarded": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 5, "SOCKET_TIMEOUT": 5},
        },
    }
    settings.INFRA_CORE = infra
    return "guarded"


def test_guarded_locmem_alias_raises_not_redis_cache() -> None:
    with pytest.raises(NotRedisCache, match="'local'"):
        guarded("local")


def test_guarded_run_returns_result_from_real_redis() -> None:
    assert guarded("default").run(lambda c: c.ping()) is True


def test_guarded_same_alias_returns_same_guard() -> None:
    assert guarded("default") is guarded("default")


@pytest.mark.integration
def test_guarded_client_uses_short_timeout_not_cache_timeout(
    settings: SettingsWrapper, blackhole: BlackHole
) -> None:
    alias = _alias(settings, blackhole.url, REDIS_SOCKET_TIMEOUT=0.2)
    start = time.perf_counter()
    with pytest.raises(RedisUnavailable):
        guarded(alias).run(lambda c: c.ping())
    assert time.perf_counter() - start < 1.5  # the cache's own 5 s timeout was not used


@pytest.mark.integration
def test_guarded_stopped_server_opens_breaker_after_threshold(
    settings: SettingsWrapper, throwaway_redis: ThrowawayRedis
) -> None:
    alias = _alias(settings, throwaway_redis.url, REDIS_BREAKER_FAILURES=2)
    throwaway_redis.stop()
    for _ in range(2):
        with pytest.raises(RedisUnavailable):
            guarded(alias).run(lambda c: c.ping())
    assert guarded(alias).breaker.state is BreakerState.OPEN


@pytest.mark.integration
def test_guarded_open_breaker_fails_without_calling(
    settings: SettingsWrapper, throwaway_redis: ThrowawayRedis
) -> None:
    alias = _alias(settings, throwaway_redis.url, REDIS_BREAKER_FAILURES=1)
    throwaway_redis.stop()
    with pytest.raises(RedisUnavailable):
        guarded(alias).run(lambda c: c.ping())
    calls: list[int] = []
    with pytest.raises(RedisUnavailable, match="circuit breaker open"):
        guarded(alias).run(lambda c: calls.append(1))
    assert calls == []


def test_guarded_non_redis_exception_propagates_and_keeps_breaker_closed() -> None:
    def boom(client: object) -> None:
        raise KeyError("app bug")

    with pytest.raises(KeyError):
        guarded("default").run(boom)
    assert guarded("default").breaker.state is BreakerState.CLOSED


def test_guarded_script_is_registered_once() -> None:
    guard = guarded("default")
    assert guard.script("return 1") is guard.script("return 1")
    assert guard.run(lambda c: guard.script("return 1")(keys=[], args=[], client=c)) == 1


def test_guarded_pool_and_hot_connections_share_the_max_connections_cap(
    settings: SettingsWrapper, throwaway_redis: ThrowawayRedis
) -> None:
    alias = _alias(settings, throwaway_redis.url)
    settings.CACHES[alias]["OPTIONS"]["CONNECTION_POOL_KWARGS"] = {"max_connections": 5}
    guard = guarded(alias)
    assert guard.hot is not None
    assert guard.client.connection_pool.max_connections + guard.hot.max_connections == 5
    assert guard.run(lambda c: c.ping()) is True
