"""Namespaces, explicit and pattern invalidation, counters: on real Redis."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection

from infra_core.cache import (
    bump,
    decrement,
    get_or_compute,
    increment,
    invalidate,
    invalidate_pattern,
    version,
    versioned_key,
)


@pytest.fixture
def ns() -> str:
    return f"ns{uuid.uuid4().hex[:12]}"


def test_versioned_key_fresh_namespace_is_version_zero(ns: str) -> None:
    assert versioned_key(ns, "product", 42) == f"{ns}:v0:product:42"


def test_bump_changes_every_versioned_key_of_namespace(ns: str) -> None:
    before = versioned_key(ns, "a")
    assert bump(ns) is True
    assert versioned_key(ns, "a") != before


def test_bump_makes_cached_entries_unreachable(ns: str) -> None:
    get_or_compute(versioned_key(ns, "x"), lambda: "old")
    bump(ns)
    assert get_or_compute(versioned_key(ns, "x"), lambda: "new") == "new"


def test_bump_leaves_other_namespaces_alone(ns: str) -> None:
    other = ns + "other"
    bump(other)
    bump(ns)
    assert version(other) == "1"


def test_invalidate_deletes_keys_and_returns_count(key: str) -> None:
    get_or_compute(key, lambda: 1)
    assert invalidate(key, key + ":absent") == 1
    assert get_or_compute(key, lambda: 2) == 2


def test_invalidate_no_keys_returns_zero() -> None:
    assert invalidate() == 0


def test_invalidate_drops_running_computation_store(key: str) -> None:
    def fn() -> str:
        invalidate(key)  # the row changed while we computed: our result is already stale
        return "computed before the change"

    assert get_or_compute(key, fn) == "computed before the change"
    assert get_or_compute(key, lambda: "fresh") == "fresh"


def test_invalidate_pattern_deletes_matches_only(ns: str) -> None:
    for i in range(7):
        get_or_compute(f"{ns}:user:42:{i}", lambda i=i: i)
    get_or_compute(f"{ns}:user:43:0", lambda: "keep")
    assert invalidate_pattern(f"{ns}:user:42:*", batch=2) == 7
    assert get_or_compute(f"{ns}:user:43:0", lambda: "recomputed") == "keep"


def test_invalidate_pattern_locmem_alias_raises_value_error() -> None:
    with pytest.raises(ValueError, match="django-redis"):
        invalidate_pattern("x:*", alias="local")


def test_increment_returns_running_total(key: str) -> None:
    assert increment(key) == 1
    assert increment(key, 5) == 6


def test_decrement_subtracts(key: str) -> None:
    increment(key, 10)
    assert decrement(key, 3) == 7


def test_increment_sets_ttl_once(key: str) -> None:
    increment(key, ttl=60)
    client = get_redis_connection("default")
    client.pexpire(cache.make_key(key), 5000)
    increment(key, ttl=60)
    assert client.pttl(cache.make_key(key)) <= 5000


def test_increment_value_reads_back_through_cache_get(key: str) -> None:
    increment(key, 3, ttl=60)
    assert cache.get(key) == 3


def test_increment_locmem_alias_counts_in_process(key: str) -> None:
    increment(key, 2, alias="local")
    assert increment(key, alias="local") == 3


def test_bump_locmem_alias_changes_version(ns: str) -> None:
    bump(ns, alias="local")
    assert version(ns, alias="local") == "1"
