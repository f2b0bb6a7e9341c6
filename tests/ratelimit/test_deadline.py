"""Per-call deadlines: the clock offset learned from replies, and a skewed clock corrected."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from django_redis import get_redis_connection

from infra_core.ratelimit.deadline import RedisClock
from infra_core.ratelimit.engine import SLIDING_COUNTER_LUA, SLIDING_WINDOW_LUA, redis_hit
from infra_core.ratelimit.rates import Rate
from infra_core.redis import guarded

SCRIPTS = pytest.mark.parametrize(
    ("lua", "suffix"),
    [(SLIDING_WINDOW_LUA, ""), (SLIDING_COUNTER_LUA, ":c")],
    ids=["log", "counter"],
)


def _key(suffix: str) -> str:
    return caches["default"].make_key(f"rl:{{d:{uuid.uuid4().hex}}}:5/60{suffix}")


def test_clock_offset_is_the_smallest_sample() -> None:
    clock = RedisClock(0.25)
    clock.observe(100.0, 100_000_900)
    clock.observe(200.0, 200_000_300)
    clock.observe(300.0, 300_000_700)
    assert clock.offset_us == 300
    assert clock.deadline(400.0) == 400_000_000 + 300 + 250_000


def test_clock_expired_reply_in_time_relearns_offset() -> None:
    clock = RedisClock(0.25)
    assert clock.relearn(10.0, 12_000_000, now=10.1)  # Redis 2 s ahead, reply after 0.1 s
    assert clock.offset_us == 2_000_000


def test_clock_expired_reply_after_timeout_is_a_late_execution() -> None:
    clock = RedisClock(0.25)
    assert not clock.relearn(10.0, 10_400_000, now=10.4)
    assert clock.offset_us == 0


@SCRIPTS
def test_redis_hit_clock_far_behind_redis_is_corrected_and_counts_once(
    lua: str, suffix: str
) -> None:
    guard = guarded("default")
    clock = RedisClock(0.25)
    clock.offset_us = -3_600_000_000  # as if this host's clock ran an hour ahead of Redis'
    key = _key(suffix)
    ttl = 2 if suffix else 1
    decision = redis_hit(guard.client, guard.script(lua), key, Rate(5, 60), ttl_windows=ttl,
                         clock=clock)  # fmt: skip
    assert decision.allowed and decision.remaining == 4
    assert abs(clock.offset_us) < 3_600_000_000  # learned from the expired reply
    raw = get_redis_connection("default")
    stored = raw.zcard(key) if not suffix else int(raw.hget(key, "c") or 0)
    assert stored == 1


@SCRIPTS
def test_redis_hit_deadline_passed_writes_nothing(lua: str, suffix: str) -> None:
    key = _key(suffix)
    raw = get_redis_connection("default")
    sha = raw.script_load(lua)
    reply = raw.execute_command("EVALSHA", sha, 1, key, 5, 60_000_000, 120_001, 1)  # deadline 1 µs
    assert reply[0] == -1
    assert not raw.exists(key)
