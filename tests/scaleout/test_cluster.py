"""infra_core on a 3-master Redis Cluster: rate limits, cache-aside, invalidation, health.

Every server is a throwaway cluster the fixtures start on free loopback ports
(tests/scaleout/servers.py). The user's view is unchanged: one CACHES alias with
``CLIENT_CLASS = "infra_core.redis.cluster.ClusterClient"``, the usual decorators and functions.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper
from redis.cluster import RedisCluster

from infra_core.cache import get_or_compute
from infra_core.cache.keys import bump, invalidate, invalidate_pattern, versioned_key
from infra_core.cache.store import cluster_lock_key, store_for
from infra_core.ratelimit import decision as limiter
from infra_core.ratelimit import rate_limit
from infra_core.ratelimit.operations import reset_identity
from infra_core.ratelimit.rates import parse_rate
from infra_core.redis import BreakerState, guarded
from tests.scaleout.conftest import FIGURES, cluster_cache
from tests.scaleout.servers import Cluster

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
ALIAS = "cluster"
RATE = "5/m"


@pytest.fixture
def on_cluster(settings: SettingsWrapper, cluster: Cluster) -> Iterator[RedisCluster]:
    """Point the limiter and an alias at the session cluster; yield a raw client to inspect it."""
    _configure(settings, cluster)
    raw = RedisCluster(host="127.0.0.1", port=cluster.ports[0])
    try:
        yield raw
    finally:
        raw.close()


def _configure(settings: SettingsWrapper, cluster: Cluster, **infra: Any) -> None:
    settings.CACHES = {**settings.CACHES, ALIAS: cluster_cache(cluster)}
    settings.INFRA_CORE = {
        "RATELIMIT_CACHE": ALIAS,
        "REDIS_SOCKET_TIMEOUT": 0.25,
        "REDIS_BREAKER_COOLDOWN": 0.5,
        "HEALTH_CHECKS": [
            {"check": "infra_core.health.probes.RedisCheck", "options": {"alias": ALIAS}},
            {"check": "infra_core.health.probes.CacheCheck", "options": {"alias": ALIAS}},
        ],
        "HEALTH_TOKEN": "scaleout-health-token-123",
        **infra,
    }


@rate_limit("scaleout", key="header:X-Client", rate=RATE)
def limited(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _send(ident: str) -> tuple[int, str]:
    """Call the limited view once; return (status, the decision's outcome)."""
    request = RequestFactory().get("/limited/", HTTP_X_CLIENT=ident)
    response = limited(request)
    return response.status_code, getattr(request, limiter.REQUEST_ATTR).outcome


def _bucket(ident: str, algorithm: str) -> str:
    return limiter.redis_key(
        ALIAS, "scaleout", f"header:x-client:{ident}", parse_rate(RATE), algorithm
    )


@pytest.mark.parametrize("algorithm", ["log", "counter"])
def test_cluster_ratelimit_admits_exactly_the_limit(
    settings: SettingsWrapper, cluster: Cluster, on_cluster: RedisCluster, algorithm: str
) -> None:
    _configure(settings, cluster, RATELIMIT_ALGORITHM=algorithm)
    ident = uuid.uuid4().hex
    results = [_send(ident) for _ in range(8)]
    assert results == [(200, "allowed")] * 5 + [(429, "blocked")] * 3
    assert on_cluster.exists(_bucket(ident, algorithm)) == 1
    assert guarded(ALIAS).breaker.state is BreakerState.CLOSED


def test_cluster_ratelimit_buckets_spread_over_every_master(on_cluster: RedisCluster) -> None:
    idents = [uuid.uuid4().hex for _ in range(24)]
    for ident in idents:
        assert _send(ident) == (200, "allowed")
    owners = {on_cluster.get_node_from_key(_bucket(i, "log")).name for i in idents}
    assert len(owners) == 3  # 24 random slots on 3 masters: every master decided some
    assert all(on_cluster.exists(_bucket(i, "log")) for i in idents)


def test_cluster_ratelimit_reset_identity_deletes_its_buckets(on_cluster: RedisCluster) -> None:
    ident = uuid.uuid4().hex
    for _ in range(5):
        _send(ident)
    assert _send(ident)[0] == 429
    assert reset_identity("scaleout", f"header:x-client:{ident}") == 1
    assert _send(ident) == (200, "allowed")


def test_cluster_lock_key_shares_the_value_key_slot(on_cluster: RedisCluster) -> None:
    for rk in ("s:1:plain", "s:1:{tag}:x", "a{}b", "{}", "x{y", "x}y", "a{}b{c}", "}{t}"):
        assert on_cluster.keyslot(cluster_lock_key(rk)) == on_cluster.keyslot(rk), rk


def test_cluster_single_flight_computes_a_cold_key_once(on_cluster: RedisCluster) -> None:
    key = f"flight:{uuid.uuid4().hex}"
    runs: list[int] = []
    barrier = threading.Barrier(20)

    def fn() -> str:
        runs.append(1)
        time.sleep(0.3)
        return "value"

    results: list[str] = []

    def call() -> None:
        barrier.wait(10)
        results.append(get_or_compute(key, fn, ttl=60, alias=ALIAS))

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == ["value"] * 20
    assert len(runs) == 1
    made = caches[ALIAS].make_key(key)
    assert on_cluster.exists(made) == 1
    assert on_cluster.exists(cluster_lock_key(made)) == 0  # the store released it


def test_cluster_cache_hit_after_store_reads_the_stored_value(on_cluster: RedisCluster) -> None:
    key = f"hit:{uuid.uuid4().hex}"
    assert get_or_compute(key, lambda: {"n": 1}, ttl=60, alias=ALIAS) == {"n": 1}
    assert get_or_compute(key, lambda: {"n": 2}, ttl=60, alias=ALIAS) == {"n": 1}


def test_cluster_invalidate_deletes_keys_in_many_slots(on_cluster: RedisCluster) -> None:
    keys = [f"inv:{uuid.uuid4().hex}" for _ in range(12)]
    for key in keys:
        get_or_compute(key, lambda: 1, ttl=60, alias=ALIAS)
    assert invalidate(*keys, alias=ALIAS) == 12
    assert not any(on_cluster.exists(caches[ALIAS].make_key(k)) for k in keys)


def test_cluster_invalidate_pattern_scans_every_master(on_cluster: RedisCluster) -> None:
    run = uuid.uuid4().hex
    keys = [f"pat:{run}:{i}" for i in range(30)]
    for key in keys:
        get_or_compute(key, lambda: 1, ttl=60, alias=ALIAS)
    made = [caches[ALIAS].make_key(k) for k in keys]
    assert len({on_cluster.get_node_from_key(k).name for k in made}) == 3
    # A dangling lock (a computation that is still running) goes too.
    store = store_for(ALIAS)
    assert store.lock(f"pat:{run}:busy", "token", 60_000)
    assert invalidate_pattern(f"pat:{run}:*", alias=ALIAS, batch=7) == 30
    assert not any(on_cluster.exists(k) for k in made)
    assert on_cluster.exists(cluster_lock_key(caches[ALIAS].make_key(f"pat:{run}:busy"))) == 0


def test_cluster_versioned_keys_bump_retires_the_namespace(on_cluster: RedisCluster) -> None:
    namespace = f"ns-{uuid.uuid4().hex}"
    first = versioned_key(namespace, "item", 1, alias=ALIAS)
    assert get_or_compute(first, lambda: "old", ttl=60, alias=ALIAS) == "old"
    assert bump(namespace, alias=ALIAS)
    second = versioned_key(namespace, "item", 1, alias=ALIAS)
    assert second != first and ":v1:" in second
    assert get_or_compute(second, lambda: "new", ttl=60, alias=ALIAS) == "new"


def test_cluster_django_cache_api_works_through_the_client_class(
    on_cluster: RedisCluster,
) -> None:
    cache = caches[ALIAS]
    run = uuid.uuid4().hex
    values = {f"api:{run}:{i}": i for i in range(10)}
    cache.set_many(values, 60)
    assert cache.get_many(list(values)) == values
    assert cache.incr(f"api:{run}:3") == 4
    assert sorted(cache.keys(f"api:{run}:*")) == sorted(values)  # type: ignore[attr-defined]
    assert cache.delete_pattern(f"api:{run}:*") == 10  # type: ignore[attr-defined]
    assert cache.get_many(list(values)) == {}


def test_cluster_health_checks_every_primary(on_cluster: RedisCluster) -> None:
    response = Client().get("/health/", HTTP_AUTHORIZATION="Bearer scaleout-health-token-123")
    data = json.loads(response.content)
    assert response.status_code == 200, data
    assert {name: c["status"] for name, c in data["checks"].items()} == {
        f"redis:{ALIAS}": "ok",
        f"cache:{ALIAS}": "ok",
    }


def test_cluster_master_killed_its_slots_fail_open_others_decide_health_degraded(
    settings: SettingsWrapper, own_cluster: Cluster
) -> None:
    _configure(settings, own_cluster)
    raw = RedisCluster(host="127.0.0.1", port=own_cluster.ports[0])
    idents = [uuid.uuid4().hex for _ in range(24)]
    owner = {i: raw.get_node_from_key(_bucket(i, "log")).port for i in idents}
    raw.close()
    for ident in idents:
        assert _send(ident) == (200, "allowed")
    victim_port = own_cluster.ports[1]
    assert victim_port in owner.values()
    victim = own_cluster.servers.procs[1]
    victim.kill()
    victim.wait(10)
    dead = [i for i in idents if owner[i] == victim_port]
    live = [i for i in idents if owner[i] != victim_port]
    assert len(dead) >= 3 and len(live) >= 3
    # Interleaved, a dead slot never fails REDIS_BREAKER_FAILURES (3) times in a row: the dead
    # master's slots fail open, the live masters keep deciding exactly. No 500, no 429.
    order = [i for pair in zip(dead, live, strict=False) for i in pair]
    seconds: dict[str, float] = {}
    outcomes: dict[str, tuple[int, str]] = {}
    for ident in order:
        began = time.monotonic()
        outcomes[ident] = _send(ident)
        seconds[ident] = time.monotonic() - began
    expected = {i: (200, "fail_open" if i in dead else "allowed") for i in order}
    assert outcomes == expected
    assert guarded(ALIAS).breaker.state is BreakerState.CLOSED
    FIGURES["cluster_master_killed_requests"] = len(order)
    FIGURES["cluster_master_killed_fail_open"] = sum(1 for i in order if i in dead)
    FIGURES["cluster_master_killed_max_seconds_dead_slot"] = round(
        max(seconds[i] for i in order if i in dead), 3
    )
    assert max(seconds.values()) < 5.0  # bounded (retries x REDIS_SOCKET_TIMEOUT, headroom)
    # One breaker per alias, as on one server: 3 failures in a row open it for the whole
    # cluster, and a live master's slot then fails open too, in microseconds.
    for ident in dead[:3]:
        assert _send(ident) == (200, "fail_open")
    assert guarded(ALIAS).breaker.state is BreakerState.OPEN
    assert _send(live[0]) == (200, "fail_open")
    began = time.monotonic()
    response = Client().get("/health/", HTTP_AUTHORIZATION="Bearer scaleout-health-token-123")
    assert time.monotonic() - began < 3 * 2.0  # HEALTH_TIMEOUT (2 s) with headroom
    data = json.loads(response.content)
    # The limiter fails open, so a Redis check is not critical: degraded, 200 (health.md).
    assert (response.status_code, data["status"]) == (200, "degraded"), data
    # RedisCheck pings every primary; CacheCheck writes one key, on whichever master owns it.
    assert data["checks"][f"redis:{ALIAS}"]["status"] == "fail", data
