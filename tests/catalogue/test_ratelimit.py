"""Catalogue B (rate limiter): the cases no concern test asserted as the catalogue states them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django_redis import get_redis_connection
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core import redis as infra_redis
from infra_core.ratelimit.decision import hit, redis_key
from infra_core.ratelimit.keys import identity
from infra_core.ratelimit.rates import Rate
from tests.conftest import ThrowawayRedis
from tests.ratelimit.conftest import _fresh_limiter_state, redis_cache

ROOT = Path(__file__).resolve().parents[2]
RL_MIDDLEWARE = "infra_core.middleware.RateLimitMiddleware"

__all__ = ["_fresh_limiter_state"]  # autouse: a fresh limiter and no bucket left behind
pytestmark = pytest.mark.urls("tests.ratelimit.urls")


def _run_keys() -> list[bytes]:
    client = get_redis_connection("default")
    return list(client.scan_iter(match=caches["default"].make_key("rl:*"), count=500))


def _window_of(key: bytes) -> tuple[int, bool]:
    """Parse ``...:<limit>/<window>[:c]``: the window in seconds, and whether it is a counter."""
    text = key.decode()
    counter = text.endswith(":c")
    rate = text[: -2 if counter else None].rsplit(":", 1)[1]
    return int(rate.split("/", 1)[1]), counter


def test_r03_every_limiter_key_has_a_ttl_within_its_window(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"RATELIMIT_SCOPE_ALGORITHM": {"short": "counter"}}
    ids = [uuid.uuid4().hex for _ in range(20)]
    for path in ("/sync/", "/short/", "/hammer/", "/async/"):
        for ident in ids:
            for _ in range(4):  # admitted and blocked requests alike
                client.get(path, HTTP_X_CLIENT=ident)
    for ident in ids[:5]:
        hit("r03-counter", ident, Rate(7, 30))
    keys = _run_keys()
    assert len(keys) >= 4 * 20
    redis = get_redis_connection("default")
    for key in keys:
        window, counter = _window_of(key)
        ttl_ms = redis.pttl(key)
        # The log keeps one window + 1 ms; the counter two windows + 1 ms (docs/ratelimit.md).
        bound = (2 if counter else 1) * window * 1000 + 1
        assert 0 < ttl_ms <= bound, (key, ttl_ms)


def test_r04_window_edge_race_leaves_no_immortal_or_stuck_key() -> None:
    guard = infra_redis.guarded("default")
    rate, ident = Rate(5, 1), uuid.uuid4().hex
    key = redis_key("default", "r04", ident, rate)
    barrier = threading.Barrier(10)

    def burst(_: int) -> bool:
        barrier.wait(5)
        return hit("r04", ident, rate).allowed

    with ThreadPoolExecutor(10) as pool:
        for _ in range(1000):
            guard.client.pexpire(key, 1)  # the key is about to vanish as the burst arrives
            admitted = sum(pool.map(burst, range(10)))
            assert admitted <= rate.limit
            assert guard.client.pttl(key) != -1  # never a key without expiry
    # Not stuck: once the window has passed, the identity is admitted again.
    guard.client.pexpire(key, 1)
    time.sleep(1.1)
    assert hit("r04", ident, rate).allowed


def test_r11_ipv6_same_64_share_a_bucket_other_64s_do_not(client: Client) -> None:
    base = f"2001:db8:{uuid.uuid4().int & 0xFFFF:x}:{uuid.uuid4().int & 0xFFFF:x}"
    first = client.get("/byip/", REMOTE_ADDR=f"{base}::1")
    same_64 = client.get("/byip/", REMOTE_ADDR=f"{base}::ffff")
    other_64 = client.get("/byip/", REMOTE_ADDR=f"{base[:-1]}{'0' if base[-1] != '0' else '1'}::1")
    assert (first.status_code, same_64.status_code, other_64.status_code) == (200, 429, 200)


@pytest.mark.integration
@pytest.mark.slow
def test_r12_many_identities_keys_bounded_and_memory_returns_to_baseline(
    throwaway_redis: ThrowawayRedis, settings: SettingsWrapper, rf: Any
) -> None:
    import redis

    settings.CACHES = {**settings.CACHES, "r12": redis_cache(throwaway_redis.url)}
    settings.INFRA_CORE = {"RATELIMIT_CACHE": "r12"}
    server = redis.Redis.from_url(throwaway_redis.url)
    rate, n = Rate(5, 1), 100_000
    with ThreadPoolExecutor(4) as pool:  # open the limiter's connections before the baseline
        list(pool.map(lambda i: hit("r12-warm", str(i), rate), range(8)))
    time.sleep(1.2)
    baseline = int(server.info("memory")["used_memory"])
    idents = [identity("ip", rf.get("/", REMOTE_ADDR=f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}"))
              for i in range(n)]  # fmt: skip
    assert all(ident is not None for ident in idents)
    with ThreadPoolExecutor(4) as pool:
        allowed = list(pool.map(lambda ident: hit("r12", str(ident), rate).allowed, idents))
    assert all(allowed)
    keys = list(server.scan_iter(count=5000))
    assert 0 < len(keys) <= n
    lengths = {len(k) for k in keys}
    assert max(lengths) <= len(caches["r12"].make_key("rl:{r12:}:5/1")) + 64  # bounded identity
    sample = keys[:: max(1, len(keys) // 500)]
    ttls = [int(server.pttl(k)) for k in sample]
    # Each key has a TTL of one window + 1 ms, or has already expired (-2); never none (-1).
    assert all(t == -2 or 0 <= t <= 1001 for t in ttls), sorted(set(ttls))[:5]
    # Every key expires on its own: after the window (+ Redis' active expiry) memory is back.
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        used = int(server.info("memory")["used_memory"])
        if server.dbsize() == 0 and used <= baseline * 1.10:
            break
        time.sleep(0.5)
    assert server.dbsize() == 0
    assert used <= baseline * 1.10, (used, baseline)


@pytest.mark.integration
@pytest.mark.parametrize("skew", [30.0, -30.0])
def test_r14_skewed_app_clock_admits_exactly_the_limit(skew: float) -> None:
    ident, rate = uuid.uuid4().hex, Rate(10, 60)
    mine = [hit("r14", ident, rate).allowed for _ in range(6)]
    out = subprocess.run(
        [sys.executable, "-m", "tests.catalogue.skewed_hits", str(skew), "r14", ident, "10/m", "6"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    mine += [hit("r14", ident, rate).allowed for _ in range(3)]
    assert mine.count(True) + theirs.count(True) == rate.limit
    assert theirs == [True] * 4 + [False] * 2  # the skewed host's hits counted, none lost


@pytest.mark.integration
def test_r15_eviction_pressure_no_limiter_error_and_every_key_has_a_ttl(
    throwaway_redis: ThrowawayRedis, settings: SettingsWrapper
) -> None:
    import redis

    server = redis.Redis.from_url(throwaway_redis.url)
    server.config_set("maxmemory", "4mb")
    server.config_set("maxmemory-policy", "volatile-lru")
    settings.CACHES = {**settings.CACHES, "r15": redis_cache(throwaway_redis.url)}
    settings.INFRA_CORE = {"RATELIMIT_CACHE": "r15"}
    stop = threading.Event()

    def fill() -> None:
        i = 0
        while not stop.is_set() and i < 200_000:
            server.set(f"unrelated:{i}", "x" * 512, ex=600)
            i += 1

    filler = threading.Thread(target=fill, daemon=True)
    filler.start()
    outcomes = []
    try:
        deadline = time.monotonic() + 30
        while not int(server.info("stats")["evicted_keys"]) and time.monotonic() < deadline:
            time.sleep(0.05)  # memory is full: Redis evicts from here on, while traffic runs
        for i in range(3000):
            outcomes.append(hit("r15", f"id{i % 300}", Rate(20, 60)).outcome)
    finally:
        stop.set()
        filler.join(30)
    assert int(server.info("stats")["evicted_keys"]) > 0  # the pressure was real
    assert "fail_open" not in outcomes and "fail_closed" not in outcomes  # no limiter error
    assert infra_redis.guarded("r15").breaker.state == "closed"
    ttls = {key: int(server.ttl(key)) for key in server.scan_iter(match="*rl:*", count=1000)}
    # Evictable under volatile-*: no immortal key (-1). A key evicted or expired between SCAN
    # and TTL answers -2, which is fine; most keys are still there with their TTL.
    assert all(ttl != -1 for ttl in ttls.values()), [k for k, t in ttls.items() if t == -1]
    assert sum(ttl > 0 for ttl in ttls.values()) > 0


def test_r16_probes_are_never_limited_while_the_api_bucket_is_exhausted(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, RL_MIDDLEWARE]
    settings.INFRA_CORE = {
        "RATELIMIT_RATES": {"all": "5/m"},
        "RATELIMIT_DEFAULT_RULE": {"scope": "all", "key": "ip"},
        "METRICS_TOKEN": "r16-token-" + "x" * 24,
    }
    ip = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    api = [client.get("/other/", REMOTE_ADDR=ip).status_code for _ in range(6)]
    assert api == [200] * 5 + [429]
    probes: list[int] = []
    auth = {"HTTP_AUTHORIZATION": "Bearer r16-token-" + "x" * 24}
    for i in range(500):
        path = ("/live/", "/ready/", "/metrics")[i % 3]
        probes.append(client.get(path, REMOTE_ADDR=ip, **auth).status_code)
    assert 429 not in probes
    assert client.get("/other/", REMOTE_ADDR=ip).status_code == 429
