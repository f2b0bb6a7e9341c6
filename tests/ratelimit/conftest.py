"""Rate-limit fixtures: fresh limiter state per test, a cache alias on a throwaway Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django_redis import get_redis_connection

from infra_core import redis as infra_redis
from infra_core.ratelimit import services as service


def _delete_run_buckets() -> None:
    # Only this run's keys (per-run KEY_PREFIX): user pks repeat across tests after rollbacks.
    client = get_redis_connection("default")
    pattern = caches["default"].make_key("rl:*")
    for key in client.scan_iter(match=pattern, count=500):
        client.delete(key)


@pytest.fixture(autouse=True)
def _fresh_limiter_state() -> Iterator[None]:
    infra_redis.reset()
    service.LOCAL.clear()
    service.FALLBACK.clear()
    service._last_block_logged.clear()
    yield
    infra_redis.reset()
    _delete_run_buckets()


@pytest.fixture
def client_id() -> str:
    """A key value no other test (or earlier run) has used."""
    return uuid.uuid4().hex


def redis_cache(url: str, timeout: float = 0.5) -> dict[str, object]:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": timeout, "SOCKET_TIMEOUT": timeout},
    }


@pytest.fixture
def client_ip_addr() -> str:
    """A benchmark-range IPv4 address no other test (or earlier run) has used."""
    n = uuid.uuid4().int
    return f"198.{18 + (n & 1)}.{(n >> 1) & 255}.{(n >> 9) & 255}"
