"""Rate-limit fixtures: fresh limiter state per test, a cache alias on a throwaway Redis."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django_redis import get_redis_connection

from infra_core import redis as infra_redis
from infra_core.ratelimit import decision as service


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


def admitted_times(
    client: Any, client_id: str, *, seconds: float, pause: float
) -> list[tuple[float, float]]:
    """GET /short/ every ``pause`` s for ``seconds`` (at most 300 times).

    For each admitted request, when it was sent and when it was answered: Redis decided it
    somewhere in between (a stalled machine can put a quarter second between the two).
    """
    admitted: list[tuple[float, float]] = []
    deadline = time.monotonic() + seconds
    for _ in range(300):  # bounded in count and time
        if time.monotonic() >= deadline:
            break
        sent = time.monotonic()
        if client.get("/short/", HTTP_X_CLIENT=client_id).status_code == 200:
            admitted.append((sent, time.monotonic()))
        time.sleep(pause)
    return admitted


def certainly_within(admitted: list[tuple[float, float]], span: float) -> int:
    """Most admissions whose decisions certainly fell within ``span`` of one another.

    Request ``j`` after ``i`` counts when it was answered less than ``span`` after ``i`` was
    sent: whatever the delays, the two decisions were then closer than ``span``.
    """
    return max(
        sum(1 for _, answered in admitted[i:] if answered < sent + span)
        for i, (sent, _) in enumerate(admitted)
    )


def busiest(admitted: list[int] | list[float], span: float) -> int:
    """Most admissions in any half-open interval of length ``span``."""
    return max(sum(1 for t in admitted if s <= t < s + span) for s in admitted)
