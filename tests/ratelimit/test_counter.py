"""The sliding-window counter (RATELIMIT_ALGORITHM = "counter") against real Redis.

Script-level tests pass "now" (ARGV[4]) so window boundaries are exact; the request-level ones use
Redis TIME as production does.
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.ratelimit.decision import hit, redis_key
from infra_core.ratelimit.engine import SLIDING_COUNTER_LUA, SLIDING_WINDOW_LUA, redis_hit
from infra_core.ratelimit.rates import Rate
from infra_core.redis import guarded
from tests.ratelimit.conftest import admitted_times, busiest, certainly_within

US = 1_000_000
W = 60  # seconds
T0 = 29_000_000 * W * US  # the start of a window (µs since the epoch, ~2025)


def _key() -> str:
    return caches["default"].make_key(f"rl:{{t:{uuid.uuid4().hex}}}:c")


class Script:
    """The counter script on one fresh key, called at chosen instants (µs)."""

    def __init__(self, limit: int, window: int = W) -> None:
        self.client = guarded("default").client
        self.sha = self.client.script_load(SLIDING_COUNTER_LUA)
        self.key, self.limit, self.window = _key(), limit, window

    def args(self, now: int) -> tuple[Any, ...]:
        w = self.window
        return ("EVALSHA", self.sha, 1, self.key, self.limit, w * US, w * 2000 + 1, 0, now)

    def at(self, now: int) -> tuple[bool, int, int]:
        allowed, count, wait, _ = self.client.execute_command(*self.args(now))
        return bool(allowed), int(count), int(wait)

    def admitted_at(self, instants: list[int]) -> list[int]:
        pipe = self.client.pipeline(transaction=False)
        for now in instants:
            pipe.execute_command(*self.args(now))
        return [now for now, reply in zip(instants, pipe.execute(), strict=True) if reply[0]]


def test_counter_fresh_window_admits_exactly_limit_then_blocks() -> None:
    script = Script(limit=3)
    replies = [script.at(T0 + 5 * US + i) for i in range(5)]
    assert [r[0] for r in replies] == [True, True, True, False, False]
    assert [r[1] for r in replies] == [1, 2, 3, 3, 3]  # remaining 2, 1, 0, 0, 0


def test_counter_previous_window_weighs_by_the_time_left() -> None:
    script = Script(limit=10)
    assert len(script.admitted_at([T0 + i for i in range(10)])) == 10
    # 15 s into the next window the previous 10 weigh 10 * 45/60 = 7.5: admitted while
    # 7.5 + this window's count < 10, so three more (the third sees 9.5).
    later = T0 + (W + 15) * US
    assert len(script.admitted_at([later + i for i in range(5)])) == 3
    # At the next boundary the first window's 10 no longer count, the second's 3 weigh just
    # under 3 (a µs has passed): 8 fit.
    assert len(script.admitted_at([T0 + 2 * W * US + 1 + i for i in range(12)])) == 8


def test_counter_retry_after_is_the_first_instant_the_estimate_drops_below_limit() -> None:
    script = Script(limit=10)
    script.admitted_at([T0 + i for i in range(10)])
    now = T0 + (W + 3) * US  # previous 10 weigh 9.5: one fits, then 10.5
    assert script.at(now)[0]
    allowed, count, wait = script.at(now)
    # 10 * left / 60 + 1 < 10 needs left < 54 s: 3 s (and 1 µs) from now.
    assert (allowed, count, wait) == (False, 10, 3 * US + 1)
    assert not script.at(now + wait - 1)[0]
    assert script.at(now + wait)[0]


def test_counter_retry_after_when_this_window_is_full_reaches_into_the_next() -> None:
    script = Script(limit=4)
    start = T0 + 50 * US
    script.admitted_at([start + i for i in range(4)])
    allowed, _, wait = script.at(start + 10)
    # This window's 4 must weigh < 4 in the next one: just after the boundary, 10 s from now.
    assert not allowed and wait == 10 * US - 10 + 1
    assert not script.at(start + 10 + wait - 1)[0]
    assert script.at(start + 10 + wait)[0]


@pytest.mark.parametrize("span_s", [60, 30, 6, 1])
def test_counter_worst_case_boundary_stays_within_documented_bound(span_s: int) -> None:
    # The documented worst case: the previous window's 100 admissions all in its last 10 ms,
    # then a client sending every 10 ms through the next window and the one after.
    limit, step = 100, 10_000
    script = Script(limit=limit)
    end_of_first = T0 + W * US
    burst = script.admitted_at([end_of_first - step + i * 50 for i in range(limit)])
    assert len(burst) == limit
    steady = script.admitted_at(list(range(end_of_first, end_of_first + 2 * W * US, step)))
    admitted = burst + steady
    bound = limit + math.ceil(limit * span_s / W)  # L + ceil(L * d / W) in any span d <= W
    most = busiest(admitted, span_s * US)
    assert most <= bound
    if span_s == W:
        assert most >= 2 * limit - 1  # the bound is tight: a full window can see ~2x
    # The long-run rate still never exceeds the limit: 3 windows' worth at most over 3 windows.
    assert len(admitted) <= 3 * limit


def test_counter_boundary_burst_is_limit_plus_one_not_double() -> None:
    script = Script(limit=100)
    end_of_first = T0 + W * US
    burst = script.admitted_at([end_of_first - 1000 + i for i in range(100)])
    after = script.admitted_at([end_of_first + i for i in range(1000)])
    # A fixed window would admit 100 more right after the boundary; the counter admits one.
    assert (len(burst), len(after)) == (100, 1)


def test_counter_memory_per_key_is_constant_however_many_admissions() -> None:
    script = Script(limit=1_000_000)
    assert len(script.admitted_at([T0 + i for i in range(10_000)])) == 10_000
    assert script.client.type(script.key) == b"hash"
    assert script.client.hlen(script.key) == 3
    counter_bytes = int(script.client.memory_usage(script.key))
    log_key = _key()
    sha = script.client.script_load(SLIDING_WINDOW_LUA)
    pipe = script.client.pipeline(transaction=False)
    for _ in range(10_000):
        pipe.execute_command("EVALSHA", sha, 1, log_key, 1_000_000, W * US, W * 1000 + 1)
    pipe.execute()
    try:
        log_bytes = int(script.client.memory_usage(log_key))
    finally:
        script.client.delete(log_key, script.key)
    assert counter_bytes < 200
    assert log_bytes > 100 * counter_bytes


def test_counter_key_gets_a_ttl_of_two_windows() -> None:
    guard = guarded("default")
    key = _key()
    script = guard.script(SLIDING_COUNTER_LUA)
    assert redis_hit(guard.client, script, key, Rate(3, 60), ttl_windows=2).allowed
    assert 60_000 < guard.client.pttl(key) <= 120_001
    for _ in range(3):
        redis_hit(guard.client, script, key, Rate(3, 60), ttl_windows=2)
    assert 0 < guard.client.pttl(key) <= 120_001


def test_hit_counter_uses_its_own_hash_key_beside_the_log(
    settings: SettingsWrapper, client_id: str
) -> None:
    rate = Rate(3, 60)
    hit("api", client_id, rate)  # the log, the default
    settings.INFRA_CORE = {"RATELIMIT_ALGORITHM": "counter"}
    decision = hit("api", client_id, rate)  # a sorted set of the same bucket must not collide
    assert (decision.outcome, decision.remaining) == ("allowed", 2)
    client = guarded("default").client
    assert client.type(redis_key("default", "api", client_id, rate, "counter")) == b"hash"
    assert client.type(redis_key("default", "api", client_id, rate)) == b"zset"
    assert "{api:" in redis_key("default", "api", client_id, rate, "counter")


def test_hit_scope_algorithm_overrides_the_global_one(
    settings: SettingsWrapper, client_id: str
) -> None:
    settings.INFRA_CORE = {"RATELIMIT_SCOPE_ALGORITHM": {"upload": "counter"}}
    rate = Rate(3, 60)
    hit("upload", client_id, rate)
    hit("api", client_id, rate)
    client = guarded("default").client
    assert client.type(redis_key("default", "upload", client_id, rate, "counter")) == b"hash"
    assert client.type(redis_key("default", "api", client_id, rate)) == b"zset"


def _redis_seconds() -> float:
    seconds, micros = guarded("default").client.time()
    return float(seconds) + micros / US


def _wait_until_window_elapsed(window: float, at_least: float, at_most: float) -> None:
    """Sleep until Redis TIME is between ``at_least`` and ``at_most`` seconds into a window."""
    for _ in range(5):  # a loaded machine may oversleep past at_most: aim again
        elapsed = _redis_seconds() % window
        if at_least <= elapsed <= at_most:
            return
        time.sleep((at_least - elapsed) % window + 0.01)
    pytest.fail(f"could not reach {at_least}-{at_most} s into a {window} s window")


@pytest.mark.urls("tests.ratelimit.urls")
def test_counter_headers_and_retry_after_in_a_fresh_window(
    settings: SettingsWrapper, client: Client, client_id: str
) -> None:
    settings.INFRA_CORE = {"RATELIMIT_ALGORITHM": "counter"}
    _wait_until_window_elapsed(60, 1.0, 55.0)
    responses = [client.get("/sync/", HTTP_X_CLIENT=client_id) for _ in range(4)]
    left = 60 - _redis_seconds() % 60
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert {r["X-RateLimit-Limit"] for r in responses} == {"3"}
    # The 3 of this window weigh 3 * left'/60 < 3 just after the boundary: the window's end.
    retry = int(responses[-1]["Retry-After"])
    assert math.ceil(left) <= retry <= math.ceil(left) + 1
    assert responses[-1]["X-RateLimit-Reset"] == str(retry)
    assert responses[-1].json()["error"]["details"]["retry_after"] == retry


@pytest.mark.urls("tests.ratelimit.urls")
@pytest.mark.slow
def test_counter_readmits_once_the_previous_window_has_passed(
    settings: SettingsWrapper, client: Client, client_id: str
) -> None:
    settings.INFRA_CORE = {"RATELIMIT_ALGORITHM": "counter"}
    _wait_until_window_elapsed(2, 0.1, 1.5)  # the 5/2s burst inside one window
    first = [client.get("/short/", HTTP_X_CLIENT=client_id).status_code for _ in range(6)]
    time.sleep(4.2 - _redis_seconds() % 2)  # past the next window too: nothing weighs any more
    second = [client.get("/short/", HTTP_X_CLIENT=client_id).status_code for _ in range(6)]
    assert first == second == [200] * 5 + [429]


@pytest.mark.urls("tests.ratelimit.urls")
@pytest.mark.slow
def test_counter_no_double_burst_across_a_real_boundary(
    settings: SettingsWrapper, client: Client, client_id: str
) -> None:
    settings.INFRA_CORE = {"RATELIMIT_ALGORITHM": "counter"}
    _wait_until_window_elapsed(2, 1.75, 1.85)  # fill the 5/2s window at its very end
    admitted = admitted_times(client, client_id, seconds=2.6, pause=0.01)  # the next window too
    assert len(admitted) >= 7  # the first window's 5, then it kept admitting
    # A fixed window admits 10 within a few ms of its boundary. The counter: at most
    # L + ceil(L * d / W) in any span d; 0.05 s of slack for Redis-vs-client clock.
    for span in (0.3, 0.8, 2.0):
        assert certainly_within(admitted, span - 0.05) <= 5 + math.ceil(5 * span / 2)
