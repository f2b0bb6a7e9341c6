"""The Lua sliding window against the real Redis of the test settings, and the local limiter."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.ratelimit.decision import hit, redis_key
from infra_core.ratelimit.engine import SLIDING_WINDOW_LUA, LocalLimiter, redis_hit
from infra_core.ratelimit.rates import Rate
from infra_core.redis import guarded


def _key() -> str:
    return caches["default"].make_key(f"rl:{{t:{uuid.uuid4().hex}}}:3/60")


def test_redis_hit_admits_exactly_limit_then_blocks() -> None:
    guard = guarded("default")
    key, rate = _key(), Rate(3, 60)
    results = [
        redis_hit(guard.client, guard.script(SLIDING_WINDOW_LUA), key, rate) for _ in range(5)
    ]
    assert [d.allowed for d in results] == [True, True, True, False, False]
    assert [d.remaining for d in results] == [2, 1, 0, 0, 0]


def test_redis_hit_blocked_reset_counts_down_from_window() -> None:
    guard = guarded("default")
    key, rate = _key(), Rate(1, 60)
    script = guard.script(SLIDING_WINDOW_LUA)
    redis_hit(guard.client, script, key, rate)
    blocked = redis_hit(guard.client, script, key, rate)
    assert not blocked.allowed
    assert 1 <= blocked.reset <= 60
    assert blocked.retry_after == blocked.reset


def test_redis_hit_key_always_gets_ttl_within_window() -> None:
    guard = guarded("default")
    key = _key()
    redis_hit(guard.client, guard.script(SLIDING_WINDOW_LUA), key, Rate(3, 60))
    ttl_ms = guard.client.pttl(key)
    assert 0 < ttl_ms <= 61_000


def test_redis_hit_blocked_requests_are_not_counted() -> None:
    guard = guarded("default")
    key = _key()
    script = guard.script(SLIDING_WINDOW_LUA)
    for _ in range(10):
        redis_hit(guard.client, script, key, Rate(2, 60))
    assert guard.client.zcard(key) == 2


def test_redis_key_shares_one_hash_tag_per_scope_and_identity() -> None:
    key = redis_key("default", "api", "ip:203.0.113.9", Rate(100, 60))
    assert "{api:ip:203.0.113.9}" in key
    assert key.startswith(caches["default"].key_prefix)


def test_hit_counts_in_the_bucket_redis_key_names(client_id: str) -> None:
    hit("api", client_id, Rate(3, 60))
    assert guarded("default").client.zcard(redis_key("default", "api", client_id, Rate(3, 60))) == 1


def _prefixed(key: str, key_prefix: str, version: int) -> str:
    return f"custom|{key_prefix}|{version}|{key}"


def test_hit_honours_a_custom_key_function(settings: SettingsWrapper, client_id: str) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "KEY_FUNCTION": _prefixed},
    }
    hit("api", client_id, Rate(3, 60))
    key = redis_key("default", "api", client_id, Rate(3, 60))
    assert key.startswith("custom|")
    try:
        assert guarded("default").client.zcard(key) == 1
    finally:
        guarded("default").client.delete(key)


def test_hit_after_redis_reset_goes_through_the_new_guard(client_id: str) -> None:
    from infra_core import redis as infra_redis

    assert hit("api", client_id, Rate(3, 60)).outcome == "allowed"
    infra_redis.reset()
    fresh = guarded("default")
    for _ in range(fresh.breaker.failures):
        fresh.breaker.record_failure()
    assert hit("api", client_id, Rate(3, 60)).outcome == "fail_open"


def test_hit_non_redis_cache_counts_in_process(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"RATELIMIT_CACHE": "local"}
    outcomes = [hit("local", "k", Rate(2, 60)).outcome for _ in range(3)]
    assert outcomes == ["allowed", "allowed", "blocked"]


def test_local_limiter_slides_with_time() -> None:
    limiter = LocalLimiter()
    rate = Rate(2, 10)
    assert limiter.hit("k", rate, now=100.0).allowed
    assert limiter.hit("k", rate, now=105.0).allowed
    assert not limiter.hit("k", rate, now=109.0).allowed
    assert limiter.hit("k", rate, now=110.5).allowed  # the first entry left the window


def test_local_limiter_key_count_is_bounded() -> None:
    limiter = LocalLimiter(max_keys=3)
    for i in range(10):
        limiter.hit(f"k{i}", Rate(1, 60), now=1.0)
    assert len(limiter._logs) == 3


def test_redis_hit_script_admissions_within_100_us_are_each_counted() -> None:
    # A 50 µs window (script level) makes stamps expire between calls, so the same count repeats
    # within one 100 µs tick: a member built from a rounded time would collide and count once.
    guard = guarded("default")
    sha = guard.client.script_load(SLIDING_WINDOW_LUA)
    key = _key()
    pipe = guard.client.pipeline(transaction=False)
    for _ in range(300):
        pipe.execute_command("EVALSHA", sha, 1, key, 1000, 50, 1000)
        pipe.zcard(key)
    replies = pipe.execute()
    pairs = zip(replies[::2], replies[1::2], strict=True)
    admitted = [(reply[1], card) for reply, card in pairs if reply[0]]
    assert len(admitted) == 300
    assert [count for count, _ in admitted] == [card for _, card in admitted]


@pytest.mark.parametrize("path", ["hot", "execute_command"])
def test_redis_hit_reloads_script_redis_forgot(path: str) -> None:
    guard = guarded("default")
    hot = guard.hot if path == "hot" else None
    assert path != "hot" or hot is not None
    script = guard.script(SLIDING_WINDOW_LUA)
    real_sha = script.sha
    script.sha = "0" * 40  # what a restarted Redis without the script looks like to the client
    try:
        decision = redis_hit(guard.client, script, _key(), Rate(3, 60), hot=hot)
    finally:
        script.sha = real_sha
    assert decision.allowed and decision.remaining == 2


def test_redis_hit_block_keeps_ttl_of_last_admission() -> None:
    guard = guarded("default")
    key = _key()
    script = guard.script(SLIDING_WINDOW_LUA)
    redis_hit(guard.client, script, key, Rate(1, 60))
    blocked = redis_hit(guard.client, script, key, Rate(1, 60))
    assert not blocked.allowed
    assert 0 < guard.client.pttl(key) <= 60_001
