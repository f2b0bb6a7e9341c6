"""get_or_compute on real Redis (django-redis): hits, misses, cached None, TTLs, stale, errors."""

from __future__ import annotations

import time

import pytest
from django_redis import get_redis_connection
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.cache import get_or_compute
from infra_core.cache.aside import decode, encode
from infra_core.cache.store import LOCK_SUFFIX
from tests.cache.conftest import sample


def _calls() -> tuple[list[int], object]:
    calls: list[int] = []

    def fn() -> int:
        calls.append(1)
        return len(calls)

    return calls, fn


def _pttl(key: str) -> int:
    from django.core.cache import cache

    return int(get_redis_connection("default").pttl(cache.make_key(key)))


def test_get_or_compute_cold_key_returns_fn_value(key: str) -> None:
    assert get_or_compute(key, lambda: {"a": 1}) == {"a": 1}


def test_get_or_compute_second_call_is_served_from_cache(key: str) -> None:
    calls, fn = _calls()
    get_or_compute(key, fn)  # type: ignore[arg-type]
    assert get_or_compute(key, fn) == 1  # type: ignore[arg-type]
    assert calls == [1]


def test_get_or_compute_cached_none_is_a_hit_not_a_miss(key: str) -> None:
    calls: list[int] = []

    def fn() -> None:
        calls.append(1)

    get_or_compute(key, fn)
    assert get_or_compute(key, fn) is None
    assert calls == [1]


def test_get_or_compute_hit_and_miss_are_counted(key: str) -> None:
    before = sample("infra_core_cache_requests_total", name="counted", result="hit")
    misses = sample("infra_core_cache_requests_total", name="counted", result="miss")
    get_or_compute(key, lambda: 1, namespace="counted")
    get_or_compute(key, lambda: 1, namespace="counted")
    assert sample("infra_core_cache_requests_total", name="counted", result="hit") == before + 1
    assert sample("infra_core_cache_requests_total", name="counted", result="miss") == misses + 1


def test_get_or_compute_preset_ttl_sets_preset_expiry(key: str, settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"CACHE_TTL_JITTER": 0.0}
    get_or_compute(key, lambda: 1, ttl="metadata")
    assert 3_599_000 < _pttl(key) <= 3_600_000


def test_get_or_compute_permanent_preset_sets_no_expiry(key: str) -> None:
    get_or_compute(key, lambda: 1, ttl="embeddings")
    assert _pttl(key) == -1


def test_get_or_compute_unknown_preset_raises_value_error(key: str) -> None:
    with pytest.raises(ValueError, match="unknown cache TTL preset 'nope'"):
        get_or_compute(key, lambda: 1, ttl="nope")


def test_get_or_compute_negative_ttl_raises_value_error(key: str) -> None:
    with pytest.raises(ValueError, match="-1"):
        get_or_compute(key, lambda: 1, ttl=-1)


def test_get_or_compute_project_preset_overrides_default(
    key: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"CACHE_TTLS": {"metadata": 10}, "CACHE_TTL_JITTER": 0.0}
    get_or_compute(key, lambda: 1, ttl="metadata")
    assert 9_000 < _pttl(key) <= 10_000


def test_get_or_compute_jitter_spreads_ttls_within_bound(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"CACHE_TTL_JITTER": 0.2}
    run = time.time_ns()
    for i in range(50):
        get_or_compute(f"t:jitter:{run}:{i}", lambda: 1, ttl=100)
    from django.core.cache import cache

    client = get_redis_connection("default")
    keys = [k for k in client.scan_iter(match=cache.make_key(f"t:jitter:{run}:*"), count=1000)]
    spread = [client.pttl(k) for k in keys]
    client.delete(*keys)
    assert len(spread) == 50
    assert all(79_000 < ms <= 100_000 for ms in spread)
    assert max(spread) - min(spread) > 1000


def test_get_or_compute_fn_error_propagates_and_releases_lock(key: str) -> None:
    from django.core.cache import cache

    def boom() -> int:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        get_or_compute(key, boom)
    assert get_redis_connection("default").exists(cache.make_key(key) + LOCK_SUFFIX) == 0


def test_get_or_compute_stale_value_is_served_while_one_refreshes(
    key: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"CACHE_TTL_JITTER": 0.0}
    get_or_compute(key, lambda: "old", ttl=0.05, stale_ttl=30)
    time.sleep(0.1)
    from django.core.cache import cache

    lock = cache.make_key(key) + LOCK_SUFFIX
    get_redis_connection("default").set(lock, "someone-else", px=5000)  # another refresher
    assert get_or_compute(key, lambda: "new", ttl=0.05, stale_ttl=30) == "old"


def test_get_or_compute_stale_value_is_refreshed_by_lock_winner(
    key: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"CACHE_TTL_JITTER": 0.0}
    get_or_compute(key, lambda: "old", ttl=0.05, stale_ttl=30)
    time.sleep(0.1)
    assert get_or_compute(key, lambda: "new", ttl=60, stale_ttl=30) == "new"
    assert get_or_compute(key, lambda: "newer", ttl=60, stale_ttl=30) == "new"


def test_get_or_compute_stale_served_is_counted(key: str, settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"CACHE_TTL_JITTER": 0.0}
    get_or_compute(key, lambda: 1, ttl=0.05, stale_ttl=30, namespace="stalecount")
    time.sleep(0.1)
    from django.core.cache import cache

    get_redis_connection("default").set(cache.make_key(key) + LOCK_SUFFIX, "x", px=5000)
    before = sample("infra_core_cache_requests_total", name="stalecount", result="stale")
    get_or_compute(key, lambda: 2, ttl=0.05, stale_ttl=30, namespace="stalecount")
    assert (
        sample("infra_core_cache_requests_total", name="stalecount", result="stale") == before + 1
    )


def test_get_or_compute_entry_outlives_ttl_by_stale_ttl(
    key: str, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"CACHE_TTL_JITTER": 0.0}
    get_or_compute(key, lambda: 1, ttl=10, stale_ttl=20)
    assert 29_000 < _pttl(key) <= 30_000


def test_get_or_compute_foreign_value_is_a_miss_and_overwritten(key: str) -> None:
    from django.core.cache import cache

    cache.set(key, "written by someone else")
    assert get_or_compute(key, lambda: "ours") == "ours"
    assert get_or_compute(key, lambda: "again") == "ours"


def test_get_or_compute_local_true_on_locmem_alias_raises_value_error(key: str) -> None:
    with pytest.raises(ValueError, match="local=True needs a django-redis cache"):
        get_or_compute(key, lambda: 1, local=True, alias="local")


def test_get_or_compute_unpicklable_value_is_returned_not_stored(key: str) -> None:
    value = get_or_compute(key, lambda: lambda: 1)
    assert callable(value)
    assert get_or_compute(key, lambda: "second") == "second"


def test_get_or_compute_locmem_alias_caches_in_process(key: str) -> None:
    calls, fn = _calls()
    get_or_compute(key, fn, alias="local")  # type: ignore[arg-type]
    assert get_or_compute(key, fn, alias="local") == 1  # type: ignore[arg-type]
    assert calls == [1]


def test_encode_decode_round_trip_keeps_none_distinct_from_missing() -> None:
    assert decode(encode(None, 0.0)) == (0.0, None)
