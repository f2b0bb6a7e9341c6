"""The sliding-window decision: one atomic Lua script on Redis, or an in-process fallback.

The default window is a sliding log: a sorted set of the admitted requests' Redis ``TIME``
stamps (µs). A request is admitted while fewer than ``limit`` stamps are younger than
``window``, so the count is exact at every instant (no fixed-window 2x burst) and app-server
clocks never matter. The sliding-window counter (``RATELIMIT_ALGORITHM = "counter"``) trades
that exactness for O(1) memory per key.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

from infra_core.ratelimit.deadline import EXPIRED, RedisClock
from infra_core.ratelimit.rates import Rate
from infra_core.redis.hot import HotConnections

# KEYS[1] the sorted set; ARGV: limit, window in µs, TTL in ms, deadline (Redis µs, 0: none; see
# infra_core.ratelimit.deadline). Returns {allowed, count, µs until the oldest stamp leaves the
# window, Redis now in µs}; {-1, 0, 0, now} and no write when run after the deadline. The member
# is "<seconds>.<µs>:<count>" from the TIME strings: formatting the µs number instead (%.14g)
# rounds it to 100 µs, and two admissions in one 100 µs with the same count would then collide
# and count once. A block writes nothing, so it needs no PEXPIRE (the last admission set the
# TTL), and an empty set needs no ZRANGE (reset = window).
SLIDING_WINDOW_LUA = """
local key = KEYS[1]
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local deadline = tonumber(ARGV[4]) or 0
if deadline > 0 and now > deadline then
  return {-1, 0, 0, now}
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, count, oldest[2] + window - now, now}
end
redis.call('ZADD', key, now, t[1] .. '.' .. t[2] .. ':' .. count)
redis.call('PEXPIRE', key, ARGV[3])
if count == 0 then
  return {1, 1, window, now}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {1, count + 1, oldest[2] + window - now, now}
"""


# The sliding-window COUNTER (RATELIMIT_ALGORITHM = "counter"): O(1) memory per key, an estimate
# across window boundaries (docs/ratelimit.md derives the bound). KEYS[1] is one hash holding both
# fixed-window counters: w = index of the current window (Redis TIME // window), c = its count,
# p = the previous window's count. One declared key, not one per window: a per-window key name
# depends on TIME, known only inside the script, and Redis Cluster wants every key in KEYS.
# ARGV: limit, window in µs, TTL in ms (2 windows + 1 ms), deadline (as in the log script), and,
# for tests only, "now" in µs.
# estimate = p * (time left in this window) / window + c; admit while estimate < limit.
# Returns {allowed, floor(estimate) after this request (limit when blocked), µs until a slot
# frees (blocked: until the estimate first drops below limit, i.e. the exact Retry-After), now}.
# The TTL is set when a window's first admission writes the hash: that admission is at or after
# the window start, so 2 windows from it outlive the next window, where c still counts as p.
SLIDING_COUNTER_LUA = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now
if ARGV[5] then
  now = tonumber(ARGV[5])
else
  local t = redis.call('TIME')
  now = t[1] * 1000000 + t[2]
end
local deadline = tonumber(ARGV[4]) or 0
if deadline > 0 and now > deadline then
  return {-1, 0, 0, now}
end
local idx = math.floor(now / window)
local left = window - (now - idx * window)
local h = redis.call('HMGET', key, 'w', 'c', 'p')
local cur = tonumber(h[2]) or 0
local prev = tonumber(h[3]) or 0
local same = tonumber(h[1]) == idx
if not same then
  if tonumber(h[1]) == idx - 1 then prev = cur else prev = 0 end
  cur = 0
end
local weighted = prev * left / window
if weighted + cur >= limit then
  if cur < limit then
    return {0, limit, math.floor(left - (limit - cur) * window / prev) + 1, now}
  end
  return {0, limit, math.floor(left + window - limit * window / cur) + 1, now}
end
cur = cur + 1
if same then
  redis.call('HINCRBY', key, 'c', 1)
else
  redis.call('HSET', key, 'w', idx, 'c', cur, 'p', prev)
  redis.call('PEXPIRE', key, ARGV[3])
end
local f = math.floor(weighted)
if f >= 1 then
  return {1, f + cur, math.floor(left - f * window / prev) + 1, now}
end
return {1, cur, left, now}
"""


@dataclass(frozen=True, slots=True)
class Algorithm:
    """A Redis decision script and how its keys are named and kept."""

    name: str
    lua: str
    ttl_windows: int  # key TTL, in windows (+ 1 ms)
    suffix: str  # appended to the bucket name: switching algorithms never meets the other's type


ALGORITHMS = {
    "log": Algorithm("log", SLIDING_WINDOW_LUA, 1, ""),
    "counter": Algorithm("counter", SLIDING_COUNTER_LUA, 2, ":c"),
}
ALGORITHM_HINT = 'Use "log" (exact sliding log, the default) or "counter" (O(1) sliding counter).'


def parse_algorithm(value: object) -> Algorithm:
    """Return the algorithm named ``value``; raise ValueError naming a bad value."""
    try:
        return ALGORITHMS[value]  # type: ignore[index]
    except (KeyError, TypeError):
        raise ValueError(f"{value!r} is not a rate-limit algorithm") from None


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one rate-limit check."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the oldest counted request leaves the window (a slot frees)
    window: int
    scope: str = ""
    outcome: str = "allowed"  # metric label: allowed, blocked, fail_open, fail_closed

    @property
    def retry_after(self) -> int:
        """Return the Retry-After value in whole seconds, at least 1."""
        return max(1, self.reset)


def _seconds(us: float) -> int:
    return max(0, math.ceil(us / 1_000_000))


def redis_hit(
    client: Any,
    script: Any,
    key: str,
    rate: Rate,
    scope: str = "",
    ttl_windows: int = 1,
    *,
    hot: HotConnections | None = None,
    clock: RedisClock | None = None,
) -> Decision:
    """Run one decision for ``key`` on Redis (one EVALSHA round trip).

    ``script`` is a registered redis-py Script: only its ``sha`` and text are used. With ``hot``
    the command goes out pre-packed on a hot connection (infra_core.redis.hot); otherwise through
    ``client.execute_command``. With ``clock`` the call carries a deadline: run later than the
    client's timeout (a paused Redis resuming), it writes nothing (infra_core.ratelimit.deadline).
    """
    limit, window_us, ttl_ms = (
        rate.limit,
        rate.window * 1_000_000,
        rate.window * 1000 * ttl_windows + 1,
    )
    for _ in range(2):
        sent = time.time()
        deadline = clock.deadline(sent) if clock is not None else 0
        allowed, count, reset_us, now = _evalsha(
            client, script, hot, key, limit, window_us, ttl_ms, deadline
        )
        if clock is None:
            break
        if allowed != EXPIRED:
            clock.observe(sent, now)
            break
        if not clock.relearn(sent, now):
            break
    if allowed == EXPIRED:
        # The reply came, but Redis ran the call after its deadline and counted nothing: the
        # outage policy answers, as for a timeout.
        raise TimeoutError("rate-limit decision ran after its deadline")
    return Decision(
        allowed=bool(allowed),
        limit=rate.limit,
        remaining=max(0, rate.limit - int(count)),
        reset=_seconds(float(reset_us)),
        window=rate.window,
        scope=scope,
        outcome="allowed" if allowed else "blocked",
    )


def _evalsha(client: Any, script: Any, hot: HotConnections | None, key: str, *args: int) -> Any:
    try:
        if hot is not None:
            return hot.call(pack_evalsha(script.sha, key, *args))
        return client.execute_command("EVALSHA", script.sha, 1, key, *args)
    except Exception as exc:
        from redis.exceptions import NoScriptError  # redis-py is optional: only on this path

        if not isinstance(exc, NoScriptError):
            raise
        # A restarted or flushed Redis forgot the script: load it and try once more.
        script.sha = client.script_load(script.script)
        return client.execute_command("EVALSHA", script.sha, 1, key, *args)


class LocalLimiter:
    """A per-process sliding log for the embedded default and fail-open fallback (bounded keys)."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._logs: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str, rate: Rate, *, scope: str = "", now: float | None = None) -> Decision:
        """Run one decision for ``key`` against this process's memory."""
        ts = time.monotonic() if now is None else now
        with self._lock:
            log = self._logs.get(key)
            if log is None:
                log = self._logs[key] = deque()
                if len(self._logs) > self.max_keys:
                    self._logs.popitem(last=False)  # least recently used key goes first
            else:
                self._logs.move_to_end(key)
            cutoff = ts - rate.window
            while log and log[0] <= cutoff:
                log.popleft()
            allowed = len(log) < rate.limit
            if allowed:
                log.append(ts)
            reset = log[0] + rate.window - ts if log else float(rate.window)
        return Decision(
            allowed=allowed,
            limit=rate.limit,
            remaining=max(0, rate.limit - len(log)),
            reset=max(0, math.ceil(reset)),
            window=rate.window,
            scope=scope,
            outcome="allowed" if allowed else "blocked",
        )

    def forget_prefix(self, prefix: str) -> int:
        """Forget the keys starting with ``prefix``; return how many."""
        with self._lock:
            doomed = [k for k in self._logs if k.startswith(prefix)]
            for k in doomed:
                del self._logs[k]
        return len(doomed)

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._logs.clear()


def pack_evalsha(sha: str, key: str, a: int, b: int, c: int, d: int | None = None) -> bytes:
    """Return ``EVALSHA sha 1 key a b c [d]`` in the Redis protocol (~0.5 µs; redis-py's ~2)."""
    k = key.encode()
    x, y, z = b"%d" % a, b"%d" % b, b"%d" % c
    head = b"*7\r\n" if d is None else b"*8\r\n"
    packed = head + (
        b"$7\r\nEVALSHA\r\n$%d\r\n%s\r\n$1\r\n1\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
        % (len(sha), sha.encode(), len(k), k, len(x), x, len(y), y, len(z), z)
    )
    if d is None:
        return packed
    w = b"%d" % d
    return packed + b"$%d\r\n%s\r\n" % (len(w), w)
