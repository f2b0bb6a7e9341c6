"""The sliding-window decision: one atomic Lua script on Redis, or an in-process fallback.

The window is a sliding log: a sorted set of the admitted requests' Redis ``TIME`` stamps (µs).
A request is admitted while fewer than ``limit`` stamps are younger than ``window``, so the count
is exact at every instant (no fixed-window 2x burst) and app-server clocks never matter.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

from infra_core.ratelimit.rates import Rate

# KEYS[1] the sorted set; ARGV: limit, window in µs. Returns {allowed, count, µs until the oldest
# stamp leaves the window}. The member is "<now>:<count>", unique even within one microsecond.
SLIDING_WINDOW_LUA = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, now .. ':' .. count)
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', key, math.ceil(window / 1000) + 1)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local reset = window
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {allowed, count, reset}
"""


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


def redis_hit(client: Any, script: Any, key: str, rate: Rate, scope: str = "") -> Decision:
    """Run one decision for ``key`` on Redis (one EVALSHA round trip)."""
    allowed, count, reset_us = script(
        keys=[key], args=[rate.limit, rate.window * 1_000_000], client=client
    )
    return Decision(
        allowed=bool(allowed),
        limit=rate.limit,
        remaining=max(0, rate.limit - int(count)),
        reset=_seconds(float(reset_us)),
        window=rate.window,
        scope=scope,
        outcome="allowed" if allowed else "blocked",
    )


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
