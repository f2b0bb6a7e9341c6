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

# KEYS[1] the sorted set; ARGV: limit, window in µs, TTL in ms. Returns {allowed, count, µs until
# the oldest stamp leaves the window}. The member is "<seconds>.<µs>:<count>" from the TIME strings:
# formatting the µs number instead (%.14g) rounds it to 100 µs, and two admissions in one 100 µs
# with the same count would then collide and count once. A block writes nothing, so it needs no
# PEXPIRE (the last admission set the TTL), and an empty set needs no ZRANGE (reset = window).
SLIDING_WINDOW_LUA = """
local key = KEYS[1]
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, count, oldest[2] + window - now}
end
redis.call('ZADD', key, now, t[1] .. '.' .. t[2] .. ':' .. count)
redis.call('PEXPIRE', key, ARGV[3])
if count == 0 then
  return {1, 1, window}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {1, count + 1, oldest[2] + window - now}
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


def evalsha(client: Any, *args: Any) -> Any:
    """Send one ``EVALSHA`` and return its reply, on a pooled connection of ``client``.

    For a plain ``redis.Redis`` this talks to a pooled connection directly, skipping
    ``execute_command``'s layers (retry wrapper, observability hooks: ~70 Python calls, ~10 µs a
    decision here). infra_core's own pools retry nothing anyway: a failure goes to the breaker and
    the outage policy at once. Other clients (cluster, single-connection) use ``execute_command``.
    """
    pool = getattr(client, "connection_pool", None)
    if pool is None or getattr(client, "connection", None) is not None:
        return client.execute_command("EVALSHA", *args)
    conn = pool.get_connection()
    try:
        conn.send_command("EVALSHA", *args)
        return conn.read_response()
    except BaseException as exc:
        from redis.exceptions import ResponseError  # redis-py is optional: only on this path

        if not isinstance(exc, ResponseError):  # the reply may be half read: drop the socket
            conn.disconnect()
        raise
    finally:
        pool.release(conn)


def redis_hit(client: Any, script: Any, key: str, rate: Rate, scope: str = "") -> Decision:
    """Run one decision for ``key`` on Redis (one EVALSHA round trip).

    ``script`` is a registered redis-py Script: only its ``sha`` and text are used.
    """
    args = (key, rate.limit, rate.window * 1_000_000, rate.window * 1000 + 1)
    try:
        allowed, count, reset_us = evalsha(client, script.sha, 1, *args)
    except Exception as exc:
        from redis.exceptions import NoScriptError  # redis-py is optional: only on this path

        if not isinstance(exc, NoScriptError):
            raise
        # A restarted or flushed Redis forgot the script: load it and try once more.
        script.sha = client.script_load(script.script)
        allowed, count, reset_us = evalsha(client, script.sha, 1, *args)
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
