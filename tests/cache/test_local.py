"""The local tier: LRU bounds, insert race, coherence via CLIENT TRACKING, lost connection."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings
from django_redis import get_redis_connection

from infra_core.cache import bump, get_or_compute, invalidate, tiers, versioned_key
from infra_core.cache import store as cache_store
from infra_core.cache.local import MISSING, LocalCache
from infra_core.cache.tracking import Incomplete, parse
from infra_core.redis import reset as redis_reset
from tests.cache.conftest import sample
from tests.conftest import ThrowawayRedis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_tiers() -> Iterator[None]:
    tiers.reset()
    yield
    tiers.reset()


def _until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def _live(alias: str = "default") -> tiers.Tier:
    tier = tiers.tier_for(alias)
    assert _until(lambda: tier.live), "tracking subscription did not come up"
    return tier


def _local_get(key: str, fn: Callable[[], object], alias: str = "default") -> object:
    return get_or_compute(key, fn, 60, local=True, alias=alias)


def _warm_on(alias: str, key: str, value: object = "v1") -> tiers.Tier:
    """Store ``key``, wait for our own write's invalidation, read it into the local tier."""
    tier = _live(alias)
    rk = tier.make_key(key)
    seq = tier.cache.seq
    get_or_compute(key, lambda: value, 60, local=True, alias=alias)
    assert _until(lambda: tier.cache.invalidated_since(rk, seq)), "own write not reported"
    get_or_compute(key, lambda: "recomputed", 60, local=True, alias=alias)
    assert tier.get(rk) is not MISSING
    return tier


def _warm(key: str, value: object = "v1") -> None:
    _warm_on("default", key, value)


def test_local_cache_evicts_least_recently_used_beyond_entries() -> None:
    local = LocalCache(max_entries=2, max_bytes=10_000)
    for k in ("a", "b"):
        local.put(k, k, 1, 60, local.seq)
    local.get("a")
    local.put("c", "c", 1, 60, local.seq)
    assert [local.get(k) is MISSING for k in ("a", "b", "c")] == [False, True, False]


def test_local_cache_evicts_beyond_bytes() -> None:
    local = LocalCache(max_entries=100, max_bytes=100)
    for k in ("a", "b", "c"):
        local.put(k, k, 40, 60, local.seq)
    assert local.size == (2, 80)
    assert local.get("a") is MISSING


def test_local_cache_refuses_entry_larger_than_bound() -> None:
    local = LocalCache(max_entries=100, max_bytes=100)
    assert local.put("big", "x", 101, 60, local.seq) is False


def test_local_cache_refuses_insert_raced_by_invalidation() -> None:
    local = LocalCache(max_entries=100, max_bytes=10_000)
    seq = local.seq  # read before fetching from Redis
    local.discard(["k"])  # another process changed k meanwhile
    assert local.put("k", "old", 1, 60, seq) is False
    assert local.put("other", "fine", 1, 60, seq) is True


def test_local_cache_entry_expires_at_max_age() -> None:
    now = [0.0]
    local = LocalCache(max_entries=10, max_bytes=1000, clock=lambda: now[0])
    local.put("k", "v", 1, 5, local.seq)
    now[0] = 5.0
    assert local.get("k") is MISSING


def test_parse_invalidation_message_and_partial_buffer() -> None:
    msg = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$3\r\nabc\r\n"
    assert parse(msg) == ([b"message", b"__redis__:invalidate", [b"abc"]], len(msg))
    with pytest.raises(Incomplete):
        parse(msg[:-3])


def test_local_hit_is_served_without_redis_and_counted(key: str) -> None:
    _warm(key)
    before = sample("infra_core_cache_requests_total", name="default", result="local_hit")
    assert _local_get(key, lambda: "recomputed") == "v1"
    assert (
        sample("infra_core_cache_requests_total", name="default", result="local_hit") == before + 1
    )


def test_local_entry_evicted_by_write_from_another_connection(key: str) -> None:
    _warm(key)
    other = get_redis_connection("default")  # not the tracker: any client's write counts
    other.delete(cache.make_key(key))
    assert _until(lambda: _local_get(key, lambda: "v2") == "v2", seconds=1.0)


def test_local_entry_evicted_by_invalidate(key: str) -> None:
    _warm(key)
    invalidate(key)
    assert _until(lambda: _local_get(key, lambda: "v2") == "v2", seconds=1.0)


def test_local_version_follows_bump() -> None:
    ns = f"ns{uuid.uuid4().hex[:10]}"
    _live()
    first = versioned_key(ns, "a", local=True)
    bump(ns)
    assert _until(lambda: versioned_key(ns, "a", local=True) != first, seconds=1.0)


def test_local_flush_clears_tier(key: str) -> None:
    _warm(key)
    tier = tiers.tier_for("default")
    tier.cache.discard([])  # harmless message
    tier.cache.clear()
    assert tier.get(cache.make_key(key)) is MISSING


@pytest.mark.integration
def test_local_entry_never_stale_after_other_process_invalidates(key: str) -> None:
    _warm(key, "before")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    code = (
        "import django; django.setup()\n"
        "from infra_core.cache import invalidate, get_or_compute\n"
        f"invalidate({key!r}); get_or_compute({key!r}, lambda: 'after', 60)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    time.sleep(0.05)  # the invalidation's delivery bound the tier promises
    assert _local_get(key, lambda: "recomputed") == "after"


@pytest.fixture
def tracked_throwaway(throwaway_redis: ThrowawayRedis) -> Iterator[ThrowawayRedis]:
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "tracked": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": throwaway_redis.url},
    }
    infra = {"REDIS_SOCKET_TIMEOUT": 0.1, "REDIS_BREAKER_COOLDOWN": 0.2}
    with override_settings(CACHES=caches, INFRA_CORE=infra):
        try:
            yield throwaway_redis
        finally:
            if throwaway_redis.proc is not None and throwaway_redis.proc.poll() is None:
                os.kill(throwaway_redis.proc.pid, 18)  # SIGCONT
            tiers.reset()
            cache_store.reset()
            redis_reset()


@pytest.mark.integration
def test_local_lost_connection_flushes_and_bypasses_tier(tracked_throwaway: ThrowawayRedis) -> None:
    tier = _warm_on("tracked", "k")
    tracked_throwaway.stop()
    assert _until(lambda: not tier.live, seconds=2.0)
    assert tier.cache.size == (0, 0)
    assert get_or_compute("k", lambda: "computed", 60, local=True, alias="tracked") == "computed"


@pytest.mark.integration
def test_local_paused_server_flushes_tier(tracked_throwaway: ThrowawayRedis) -> None:
    tier = _warm_on("tracked", "k")
    assert tracked_throwaway.proc is not None
    os.kill(tracked_throwaway.proc.pid, 19)  # SIGSTOP: no reply, no close
    assert _until(lambda: not tier.live, seconds=3.0)
    assert tier.cache.size == (0, 0)


@pytest.mark.integration
def test_local_restarted_server_resubscribes(tracked_throwaway: ThrowawayRedis) -> None:
    tier = _warm_on("tracked", "k")
    subscriptions = tier.tracker.subscriptions
    tracked_throwaway.stop()
    assert _until(lambda: not tier.live, seconds=2.0)
    tracked_throwaway.start()
    assert _until(lambda: tier.live and tier.tracker.subscriptions > subscriptions, seconds=5.0)


def test_local_cached_decorator_serves_from_tier() -> None:
    from infra_core.cache import cached

    tag = uuid.uuid4().hex
    calls: list[int] = []

    @cached(ttl=60, local=True, key=lambda: f"t:dec:{tag}")
    def fn() -> int:
        calls.append(1)
        return 7

    tier = _warm_on("default", f"t:dec:{tag}", 7)
    before = sample("infra_core_cache_requests_total", name="default", result="local_hit")
    assert fn() == 7
    assert calls == []  # the warm-up stored it; the tier served it
    assert tier.get(cache.make_key(f"t:dec:{tag}")) == 7
    assert (
        sample("infra_core_cache_requests_total", name="default", result="local_hit") == before + 1
    )


def test_local_async_lookup_serves_from_tier(key: str) -> None:
    import asyncio

    from infra_core.cache import aget_or_compute

    _warm(key, "v1")

    async def fn() -> str:
        return "recomputed"

    before = sample("infra_core_cache_requests_total", name="default", result="local_hit")
    assert asyncio.run(aget_or_compute(key, fn, 60, local=True)) == "v1"
    assert (
        sample("infra_core_cache_requests_total", name="default", result="local_hit") == before + 1
    )
