"""Single flight on one cold key: threads and processes, stale serving, dead and slow holders.

Computations are counted in Redis (INCR), not in process memory, so runs in other processes count.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.cache import get_or_compute
from infra_core.cache.store import LOCK_SUFFIX
from tests.cache.conftest import sample

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import os, sys, time
import django
django.setup()
from django_redis import get_redis_connection
from infra_core.cache import get_or_compute
key, runs, ready, go, threads = sys.argv[1:6]
client = get_redis_connection("default")

def fn():
    time.sleep(0.5)
    client.incr(runs)
    return "value"

import threading
results = []
def call():
    results.append(get_or_compute(key, fn, ttl=60))
workers = [threading.Thread(target=call) for _ in range(int(threads))]
client.incr(ready)
deadline = time.monotonic() + 60
while not client.exists(go) and time.monotonic() < deadline:
    time.sleep(0.001)
for w in workers:
    w.start()
for w in workers:
    w.join(30)
print("ok" if results == ["value"] * int(threads) else f"bad {results!r}")
"""


def _counter() -> tuple[str, object]:
    runs = f"t:runs:{uuid.uuid4().hex}"
    client = get_redis_connection("default")

    def fn() -> str:
        time.sleep(0.5)
        client.incr(runs)
        return "value"

    return runs, fn


def _stampede(key: str, fn: object, threads: int, **kwargs: object) -> list[object]:
    barrier = threading.Barrier(threads)

    def call() -> object:
        barrier.wait(10)
        return get_or_compute(key, fn, **kwargs)  # type: ignore[arg-type]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: call(), range(threads)))


def test_single_flight_50_threads_cold_key_compute_once(key: str) -> None:
    runs, fn = _counter()
    results = _stampede(key, fn, 50, ttl=60)
    assert results == ["value"] * 50
    assert int(get_redis_connection("default").get(runs)) == 1


def test_single_flight_waiters_are_counted(key: str) -> None:
    _, fn = _counter()
    before = sample("infra_core_cache_lock_waits_total", name="sfcount", outcome="filled")
    _stampede(key, fn, 8, ttl=60, namespace="sfcount")
    assert sample("infra_core_cache_lock_waits_total", name="sfcount", outcome="filled") > before


@pytest.mark.integration
def test_single_flight_50_threads_and_4_processes_compute_once(key: str) -> None:
    client = get_redis_connection("default")
    # The children INCR raw Redis keys: they get the made (prefixed) names the parent reads.
    runs, ready, go = (cache.make_key(f"t:{n}:{uuid.uuid4().hex}") for n in ("runs", "ready", "go"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, key, runs, ready, go, "3"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        deadline = time.monotonic() + 60
        while int(client.get(ready) or 0) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert int(client.get(ready) or 0) == 4, "children did not start"

        def fn() -> str:
            time.sleep(0.5)
            client.incr(runs)
            return "value"

        barrier = threading.Barrier(50)

        def call() -> object:
            barrier.wait(10)
            return get_or_compute(key, fn, ttl=60)

        with ThreadPoolExecutor(50) as pool:
            futures = [pool.submit(call) for _ in range(50)]
            client.set(go, 1, ex=60)
            results = [f.result(30) for f in futures]
        outputs = [child.communicate(timeout=60)[0].strip() for child in children]
        computed = int(client.get(runs) or 0)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait(10)
        client.delete(ready, go, runs)
    assert results == ["value"] * 50
    assert outputs == ["ok"] * 4
    assert computed == 1


def test_single_flight_stale_present_nobody_waits_for_refresh(
    key: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"CACHE_TTL_JITTER": 0.0}
    get_or_compute(key, lambda: "old", ttl=0.05, stale_ttl=60)
    time.sleep(0.1)
    refreshing = threading.Event()
    release = threading.Event()

    def slow_refresh() -> str:
        refreshing.set()
        release.wait(10)
        return "new"

    refresher = threading.Thread(
        target=get_or_compute, args=(key, slow_refresh, 60), kwargs={"stale_ttl": 60}
    )
    refresher.start()
    assert refreshing.wait(5)
    try:
        started = time.monotonic()
        results = _stampede(key, lambda: "not me", 50, ttl=60, stale_ttl=60)
        elapsed = time.monotonic() - started
    finally:
        release.set()
        refresher.join(10)
    assert results == ["old"] * 50
    assert elapsed < 5  # loose: the refresh was held for 10 s and nobody waited for it


def test_single_flight_dead_holder_waiters_compute_after_wait(
    key: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"CACHE_LOCK_WAIT": 0.2}
    lock = cache.make_key(key) + LOCK_SUFFIX
    get_redis_connection("default").set(lock, "dead-holder", px=60_000)
    assert get_or_compute(key, lambda: "mine") == "mine"
    # Only the holder writes: the dead holder's lock still guards the key.
    assert get_redis_connection("default").get(cache.make_key(key)) is None


def test_single_flight_expired_dead_lock_lets_next_caller_store(
    key: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"CACHE_LOCK_WAIT": 0.0}
    lock = cache.make_key(key) + LOCK_SUFFIX
    get_redis_connection("default").set(lock, "dead-holder", px=100)
    time.sleep(0.2)
    get_or_compute(key, lambda: "stored")
    assert get_or_compute(key, lambda: "not stored") == "stored"


def test_single_flight_slow_holder_does_not_release_successors_lock(
    key: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"CACHE_LOCK_TTL": 0.2, "CACHE_LOCK_WAIT": 0.0}
    client = get_redis_connection("default")
    lock = cache.make_key(key) + LOCK_SUFFIX

    def slow() -> str:
        time.sleep(0.4)  # outlives its lock; a successor took the key meanwhile
        client.set(lock, "successor", px=60_000)
        return "slow"

    assert get_or_compute(key, slow) == "slow"
    assert client.get(lock) == b"successor"
    assert client.get(cache.make_key(key)) is None
