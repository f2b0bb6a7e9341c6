"""Leased rate limiting: a process takes a few permits from Redis at once and spends them locally.

Opt-in per scope (``RATELIMIT_SCOPE_LEASE = {scope: lease_size}``, sliding log only). The lease
lives in the exact mode's own sorted set: one Lua script admits up to ``lease_size`` stamps at the
Redis ``TIME`` of the take, exactly as that many exact-mode admissions would (same key, same
window, same TTL), after first removing the unspent stamps of this process's previous lease of
the key (the return). The process then admits requests from the lease with no round trip, under
a per-key lock, until the lease is spent or ``LEASE_SECONDS`` old; the next request takes a new
lease. Bounds (docs/ratelimit.md derives them): with P processes holding leases of one key, the
admissions in any window stay within ``limit + P x lease_size``; inside one window that starts
with an empty key, at most ``limit``; a request is refused only when at least
``limit - (P - 1) x lease_size`` requests were admitted in the window.

A lease that cannot be taken (Redis down, breaker open, the call past its deadline) raises
``RedisUnavailable`` to ``decision.hit``: the scope's fail-open / fail-closed policy answers.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from typing import Any

from infra_core.ratelimit.deadline import EXPIRED, RedisClock
from infra_core.ratelimit.engine import Decision
from infra_core.ratelimit.rates import Rate

#: A lease is spent within this many seconds (or its window, if shorter), else taken again.
LEASE_SECONDS = 1.0
#: Largest lease a scope may ask for (one ZADD carries the whole lease).
MAX_LEASE = 1000

# KEYS[1] the exact mode's sorted set. ARGV: limit, window in µs, TTL in ms, deadline (Redis µs,
# 0: none), lease size wanted, this process's token, then the previous lease to return: its member
# prefix ('' for none) and the first and last unspent index. Returns {granted (EXPIRED: ran after
# the deadline, nothing written), count in the window after the take, µs until the oldest stamp
# leaves the window, Redis now in µs, the new lease's member prefix}. Members are
# "<seconds>.<µs>:<token>:<i>", never equal to an exact-mode member ("<seconds>.<µs>:<count>").
LEASE_LUA = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local deadline = tonumber(ARGV[4]) or 0
if deadline > 0 and now > deadline then
  return {-1, 0, 0, now, ''}
end
if ARGV[7] ~= '' then
  for i = tonumber(ARGV[8]), tonumber(ARGV[9]) do
    redis.call('ZREM', key, ARGV[7] .. i)
  end
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local grant = math.min(tonumber(ARGV[5]), limit - count)
if grant <= 0 then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, count, oldest[2] + window - now, now, ''}
end
local prefix = t[1] .. '.' .. t[2] .. ':' .. ARGV[6] .. ':'
local args = {}
for i = 1, grant do
  args[2 * i - 1] = now
  args[2 * i] = prefix .. i
end
redis.call('ZADD', key, unpack(args))
redis.call('PEXPIRE', key, ARGV[3])
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {grant, count + grant, oldest[2] + window - now, now, prefix}
"""


class Lease:
    """This process's permits of one key: ``granted`` stamped in Redis, ``spent`` of them used."""

    __slots__ = ("expires", "granted", "lock", "prefix", "reset_at", "spent", "unleased")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.prefix = ""  # member prefix of the current lease ('' before the first)
        self.granted = 0
        self.spent = 0
        self.expires = 0.0  # time.monotonic() after which the lease is not spent
        self.unleased = 0  # limit minus every stamp in the window, at the take
        self.reset_at = 0.0  # time.monotonic() when the oldest stamp leaves the window

    @property
    def unspent(self) -> int:
        """Return how many permits of the lease are left."""
        return self.granted - self.spent

    def usable(self, now: float) -> bool:
        """Return whether a permit is left and the lease is not expired at ``now``."""
        return self.spent < self.granted and now < self.expires

    def spend(self, rate: Rate, scope: str, now: float) -> Decision:
        """Admit one request from the lease (the caller holds ``lock``, the lease is usable)."""
        self.spent += 1
        remaining = self.unleased + self.granted - self.spent
        return Decision(True, rate.limit, remaining, _left(self, now), rate.window, scope)


class LeaseTable:
    """The leases of this process, one per Redis key (bounded, least recently used dropped)."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._leases: OrderedDict[str, Lease] = OrderedDict()
        self.token = os.urandom(4).hex()
        self.takes = 0  # lease scripts run by this process (diagnostics and tests)

    def lease(self, key: str) -> Lease:
        """Return the lease of ``key``, creating an empty one."""
        with self._lock:
            lease = self._leases.get(key)
            if lease is None:
                lease = self._leases[key] = Lease()
                if len(self._leases) > self.max_keys:
                    # Its unspent permits stay counted until they leave the window (fewer
                    # admissions, never more).
                    self._leases.popitem(last=False)
            else:
                self._leases.move_to_end(key)
            return lease

    def clear(self) -> None:
        """Forget every lease and draw a new token (after a fork: never spend the parent's)."""
        self._lock = threading.Lock()
        self._leases = OrderedDict()
        self.token = os.urandom(4).hex()

    def hit(
        self,
        guard: Any,
        key: str,
        rate: Rate,
        scope: str,
        size: int,
        clock: RedisClock | None,
    ) -> Decision:
        """Admit one request of ``key`` from this process's lease, taking a new one if needed."""
        lease = self.lease(key)
        with lease.lock:  # one lease per key per process: threads wait for the one take
            now = time.monotonic()
            if not lease.usable(now):
                script = guard.script(LEASE_LUA)
                guard.run(lambda client: self._take(client, script, key, rate, size, lease, clock))
                now = time.monotonic()
                if lease.granted == 0:
                    return Decision(
                        False, rate.limit, 0, _left(lease, now), rate.window, scope, "blocked"
                    )
            return lease.spend(rate, scope, now)

    def spend_now(self, key: str, rate: Rate, scope: str) -> Decision | None:
        """Admit one request of ``key`` from permits in hand, or None if that needs Redis.

        Never waits and never does I/O (no lease yet, spent or expired, or another thread
        taking one: None), so an async view can call it on the event loop.
        """
        with self._lock:
            lease = self._leases.get(key)
        if lease is None or not lease.lock.acquire(blocking=False):
            return None
        try:
            now = time.monotonic()
            if not lease.usable(now):
                return None
            return lease.spend(rate, scope, now)
        finally:
            lease.lock.release()

    def _take(
        self,
        client: Any,
        script: Any,
        key: str,
        rate: Rate,
        size: int,
        lease: Lease,
        clock: RedisClock | None,
    ) -> None:
        args: list[Any] = [
            rate.limit,
            rate.window * 1_000_000,
            rate.window * 1000 + 1,
            0,
            size,
            self.token,
            lease.prefix if lease.unspent > 0 else "",
            lease.spent + 1,
            lease.granted,
        ]
        for _ in range(2):
            sent = time.time()
            args[3] = clock.deadline(sent) if clock is not None else 0
            reply = _evalsha(client, script, key, args)
            self.takes += 1
            if clock is None:
                break
            if int(reply[0]) != EXPIRED:
                clock.observe(sent, int(reply[3]))
                break
            if not clock.relearn(sent, int(reply[3])):
                break
        granted, count, reset_us = int(reply[0]), int(reply[1]), float(reply[2])
        if granted == EXPIRED:
            # Redis ran the take after its deadline and wrote nothing: the outage policy answers.
            raise TimeoutError("rate-limit lease ran after its deadline")
        # The previous lease's unspent stamps are gone from Redis (returned) or it had none.
        prefix = reply[4]
        now = time.monotonic()
        lease.prefix = prefix.decode() if isinstance(prefix, bytes) else str(prefix)
        lease.granted, lease.spent = granted, 0
        lease.expires = now + min(LEASE_SECONDS, rate.window)
        lease.unleased = max(0, rate.limit - count)
        lease.reset_at = now + reset_us / 1_000_000


def _left(lease: Lease, now: float) -> int:
    return max(0, math.ceil(lease.reset_at - now))


def _evalsha(client: Any, script: Any, key: str, args: list[Any]) -> Any:
    try:
        return client.execute_command("EVALSHA", script.sha, 1, key, *args)
    except Exception as exc:
        from redis.exceptions import NoScriptError  # redis-py is optional: only on this path

        if not isinstance(exc, NoScriptError):
            raise
        script.sha = client.script_load(script.script)  # a restarted or flushed Redis
        return client.execute_command("EVALSHA", script.sha, 1, key, *args)


LEASES = LeaseTable()
if hasattr(os, "register_at_fork"):  # a forked worker (gunicorn --preload) starts with none
    os.register_at_fork(after_in_child=LEASES.clear)
