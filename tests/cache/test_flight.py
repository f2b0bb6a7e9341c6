"""Per-process single flight while Redis is unreachable (a closed loopback port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import override_settings

from infra_core.cache import get_or_compute
from infra_core.cache import store as cache_store
from infra_core.redis import reset as redis_reset


@pytest.fixture
def down_alias() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: connections are refused
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "down": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        },
    }
    with override_settings(CACHES=caches, INFRA_CORE={"REDIS_BREAKER_FAILURES": 1}):
        try:
            yield "down"
        finally:
            cache_store.reset()
            redis_reset()


def _together(threads: int, call: object) -> list[object]:
    barrier = threading.Barrier(threads)

    def run() -> object:
        barrier.wait(10)
        return call()  # type: ignore[operator]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: run(), range(threads)))


def test_flight_redis_down_concurrent_callers_compute_once(down_alias: str) -> None:
    runs: list[int] = []
    lock = threading.Lock()

    def fn() -> str:
        with lock:
            runs.append(1)
        time.sleep(0.3)
        return "value"

    results = _together(20, lambda: get_or_compute("k", fn, 60, alias=down_alias))
    assert results == ["value"] * 20
    assert len(runs) == 1


def test_flight_leader_failure_followers_compute_themselves(down_alias: str) -> None:
    calls: list[int] = []
    lock = threading.Lock()

    def fn() -> str:
        with lock:
            calls.append(1)
            first = len(calls) == 1
        time.sleep(0.2)
        if first:
            raise RuntimeError("leader failed")
        return "value"

    def call() -> object:
        try:
            return get_or_compute("k", fn, 60, alias=down_alias)
        except RuntimeError as exc:
            return str(exc)

    results = _together(5, call)
    assert sorted(map(str, results)) == ["leader failed"] + ["value"] * 4
