"""Readiness follows the failure policy: a cache every consumer of which fails open degrades it.

The cache is a throwaway redis-server this test starts and pauses (SIGSTOP): the shared Redis is
never touched.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from infra_core.health.registry import configured_checks
from tests.conftest import ThrowawayRedis
from tests.health.checks_for_tests import spec

CACHE = "infra_core.health.probes.CacheCheck"
DEADLINE = 1.0


def _caches(url: str) -> dict[str, Any]:
    options = {"SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3}
    return {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url,
                        "OPTIONS": options}}  # fmt: skip


@pytest.fixture
def paused_cache(settings: Any, throwaway_redis: ThrowawayRedis) -> Iterator[ThrowawayRedis]:
    settings.CACHES = _caches(throwaway_redis.url)
    caches["default"].set("warm", 1)  # a pooled connection exists before the pause
    assert throwaway_redis.proc is not None
    os.kill(throwaway_redis.proc.pid, signal.SIGSTOP)
    try:
        yield throwaway_redis
    finally:
        os.kill(throwaway_redis.proc.pid, signal.SIGCONT)
        caches["default"].close()


def _ready(client: Client) -> tuple[int, str, float]:
    start = time.monotonic()
    response = client.get("/ready/")
    data = json.loads(response.content)
    status = data.get("status") or data["error"]["details"]["status"]
    return response.status_code, status, time.monotonic() - start


def test_cache_check_every_consumer_fails_open_is_not_critical(settings: Any) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": [CACHE]}
    assert [c.critical for c in configured_checks() if c.name == "cache:default"] == [False]


def test_cache_check_fail_closed_rate_limits_make_it_critical(settings: Any) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": [CACHE], "RATELIMIT_SCOPE_FAIL_OPEN": {"login": False}}
    assert [c.critical for c in configured_checks() if c.name == "cache:default"] == [True]


def test_cache_check_cache_sessions_make_it_critical(settings: Any) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.INFRA_CORE = {"HEALTH_CHECKS": [CACHE]}
    assert [c.critical for c in configured_checks() if c.name == "cache:default"] == [True]


@pytest.mark.integration
def test_ready_paused_redis_fail_open_consumers_answers_200_degraded(
    settings: Any, paused_cache: ThrowawayRedis
) -> None:
    checks = [spec("CountingCheck", name="c"), CACHE]
    settings.INFRA_CORE = {"HEALTH_CHECKS": checks, "HEALTH_TIMEOUT": DEADLINE,
                           "HEALTH_CACHE_SECONDS": 0}  # fmt: skip
    code, status, took = _ready(Client())
    assert (code, status) == (200, "degraded")
    assert took < DEADLINE + 0.5


@pytest.mark.integration
def test_ready_paused_redis_check_configured_critical_answers_503_unhealthy(
    settings: Any, paused_cache: ThrowawayRedis
) -> None:
    critical = {"check": CACHE, "critical": True}
    checks = [spec("CountingCheck", name="c"), critical]
    settings.INFRA_CORE = {"HEALTH_CHECKS": checks, "HEALTH_TIMEOUT": DEADLINE,
                           "HEALTH_CACHE_SECONDS": 0}  # fmt: skip
    code, status, took = _ready(Client())
    assert (code, status) == (503, "unhealthy")
    assert took < DEADLINE + 0.5
