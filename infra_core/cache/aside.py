"""Cache-aside with single flight and serve-stale: ``get_or_compute`` and ``aget_or_compute``.

A lookup is one GET. On a miss, callers race for the key's lock (``SET NX PX`` with an owner
token): the winner computes and stores, the others poll for the value at most
``CACHE_LOCK_WAIT`` seconds, then compute themselves without storing. An entry stored with a
``stale_ttl`` stays readable that long after it turns stale: a stale read returns at once while
the one caller that takes the lock refreshes it. Any store failure (Redis down, breaker open) is
counted and ``fn`` is computed directly: the cache never fails a call (docs/cache.md).
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from collections.abc import Callable
from typing import Any, TypeVar

from infra_core.cache import metrics
from infra_core.cache.conf import CACHE_LOCK_TTL, CACHE_LOCK_WAIT
from infra_core.cache.flight import run_once
from infra_core.cache.local import MISSING
from infra_core.cache.store import ACQUIRED, VALUE, Store, store_for
from infra_core.cache.tiers import Tier, tier_for
from infra_core.cache.ttl import TTL, jittered_ms, resolve
from infra_core.redis import RedisUnavailable

T = TypeVar("T")
logger = logging.getLogger("infra_core.cache")

_MISSING: Any = MISSING
# Polling a busy key: first after 5 ms, doubling to 50 ms (a 50-caller stampede costs ~1k GETs/s).
_FIRST_POLL, _MAX_POLL = 0.005, 0.05


def encode(value: Any, fresh_until: float) -> bytes:
    """Return the stored form of ``value``: (fresh-until wall time or 0.0, value), pickled."""
    return pickle.dumps((fresh_until, value), pickle.HIGHEST_PROTOCOL)


def decode(raw: bytes) -> tuple[float, Any] | Any:
    """Return (fresh_until, value) from a stored entry, or _MISSING if it is not one of ours."""
    try:
        entry = pickle.loads(raw)  # noqa: S301 - written by encode() on the project's own cache
    except Exception:
        return _MISSING
    if type(entry) is not tuple or len(entry) != 2 or type(entry[0]) is not float:
        return _MISSING
    return entry


class _Call:
    """One call's resolved parameters."""

    __slots__ = (
        "fresh_until",
        "key",
        "name",
        "px",
        "rk",
        "seq",
        "stale_s",
        "store",
        "tier",
        "ttl_s",
    )

    def __init__(self, key: str, ttl: TTL, stale_ttl: float | None, alias: str, name: str | None):
        self.key = key
        self.ttl_s = resolve(ttl)
        if stale_ttl is not None and (isinstance(stale_ttl, bool) or not stale_ttl > 0):
            raise ValueError(f"stale_ttl {stale_ttl!r} is not a number of seconds > 0 or None")
        self.stale_s = stale_ttl
        self.name = name or (ttl if isinstance(ttl, str) else "default")
        self.store: Store = store_for(alias)
        self.px = 0
        self.fresh_until = 0.0
        self.tier: Tier | None = None  # local=True: the tier, the made key, the sequence read
        self.rk = ""
        self.seq = 0

    def remember(self, value: Any, size: int, fresh_until: float) -> None:
        if self.tier is not None:
            self.tier.put(self.rk, value, size, fresh_until, self.seq)

    def entry(self, value: Any) -> bytes:
        if self.ttl_s is None:  # no expiry: never stale, never jittered
            self.px = 0
            return encode(value, 0.0)
        fresh_ms = jittered_ms(self.ttl_s)
        if self.stale_s is None:
            self.px = fresh_ms
            return encode(value, 0.0)
        self.px = fresh_ms + int(self.stale_s * 1000)
        self.fresh_until = time.time() + fresh_ms / 1000
        return encode(value, self.fresh_until)


def _local(
    key: str, ttl: TTL, stale_ttl: float | None, alias: str, namespace: str | None
) -> tuple[Any, _Call | None]:
    """Return (value, None) for a local-tier hit, else (MISSING, the call set up to remember)."""
    tier = tier_for(alias)
    rk = tier.make_key(key)
    value = tier.get(rk)
    if value is not MISSING:
        metrics.request(namespace or (ttl if isinstance(ttl, str) else "default"), "local_hit")
        return value, None
    call = _Call(key, ttl, stale_ttl, alias, namespace)
    call.tier, call.rk, call.seq = tier, rk, tier.cache.seq
    return MISSING, call


def _token() -> str:
    return os.urandom(12).hex()


def _lock_ms() -> int:
    return max(1, int(CACHE_LOCK_TTL.value * 1000))


def _read(call: _Call) -> tuple[str, Any]:
    """Return ("hit" | "stale" | "miss" | "down", value) for the first GET."""
    try:
        raw = call.store.get(call.key)
    except RedisUnavailable:
        metrics.request(call.name, "error")
        metrics.count(metrics.ERRORS, call.name, "read")
        return "down", None
    if raw is None:
        metrics.request(call.name, "miss")
        return "miss", None
    entry = decode(raw)
    if entry is _MISSING:
        metrics.count(metrics.ERRORS, call.name, "read")
        metrics.request(call.name, "miss")
        return "miss", None
    fresh_until, value = entry
    if not fresh_until or fresh_until > time.time():
        metrics.request(call.name, "hit")
        call.remember(value, len(raw), fresh_until)
        return "hit", value
    return "stale", value


def _lock_for_refresh(call: _Call, token: str) -> bool:
    """Return True if this caller takes the lock to refresh a stale entry."""
    try:
        got = call.store.lock(call.key, token, _lock_ms())
    except RedisUnavailable:
        metrics.count(metrics.ERRORS, call.name, "lock")
        got = False
    metrics.request(call.name, "miss" if got else "stale")  # the refresher computes: a miss
    return got


def _claim(call: _Call, token: str) -> tuple[str, Any]:
    """Return ("value", v) | ("acquired", None) | ("busy", None) | ("down", None)."""
    try:
        state, raw = call.store.claim(call.key, token, _lock_ms())
    except RedisUnavailable:
        metrics.count(metrics.ERRORS, call.name, "lock")
        return "down", None
    if state == VALUE:
        entry = decode(raw) if raw is not None else _MISSING
        if entry is not _MISSING:
            call.remember(entry[1], len(raw or b""), entry[0])
            return "value", entry[1]
        # Not an entry of ours (written by cache.set, say): take the lock and overwrite it.
        try:
            state = ACQUIRED if call.store.lock(call.key, token, _lock_ms()) else 0
        except RedisUnavailable:
            metrics.count(metrics.ERRORS, call.name, "lock")
            return "down", None
    return ("acquired", None) if state == ACQUIRED else ("busy", None)


def _save(call: _Call, token: str, value: Any) -> None:
    try:
        raw = call.entry(value)
        if call.store.store(call.key, raw, call.px, token):
            call.remember(value, len(raw), call.fresh_until)
    except RedisUnavailable:
        metrics.count(metrics.ERRORS, call.name, "write")
    except Exception as exc:  # an unpicklable value: served, not cached
        metrics.count(metrics.ERRORS, call.name, "write")
        logger.warning("cache value for %s not stored: %s", call.name, type(exc).__name__)
        _release(call, token)


def _release(call: _Call, token: str) -> None:
    try:
        call.store.release(call.key, token)
    except RedisUnavailable:
        metrics.count(metrics.ERRORS, call.name, "lock")


def _next_poll(delay: float, deadline: float) -> float:
    return max(0.0, min(delay, deadline - time.monotonic()))


def get_or_compute(
    key: str,
    fn: Callable[[], T],
    ttl: TTL = None,
    *,
    stale_ttl: float | None = None,
    alias: str = "default",
    local: bool = False,
    namespace: str | None = None,
) -> T:
    """Return the cached value of ``key`` or ``fn()``'s (stored); ``None`` is a cacheable value."""
    if local:
        value, call = _local(key, ttl, stale_ttl, alias, namespace)
        if call is None:
            return value  # type: ignore[no-any-return]
    else:
        call = _Call(key, ttl, stale_ttl, alias, namespace)
    state, value = _read(call)
    if state == "hit":
        return value  # type: ignore[no-any-return]
    if state == "down":
        return _direct(call, alias, fn)
    token = _token()
    if state == "stale":
        return _compute(call, token, fn) if _lock_for_refresh(call, token) else value
    deadline = time.monotonic() + CACHE_LOCK_WAIT.value
    delay, waited = _FIRST_POLL, False
    while True:
        state, value = _claim(call, token)
        if state == "value":
            if waited:
                metrics.count(metrics.LOCK_WAITS, call.name, "filled")
            return value  # type: ignore[no-any-return]
        if state == "acquired":
            return _compute(call, token, fn)
        if state == "down":
            return _direct(call, alias, fn)
        waited = True
        pause = _next_poll(delay, deadline)
        if pause <= 0:
            metrics.count(metrics.LOCK_WAITS, call.name, "timeout")
            metrics.count(metrics.COMPUTES, call.name)
            return fn()  # the holder is slow or gone: compute, but only the holder writes
        time.sleep(pause)
        delay = min(delay * 2, _MAX_POLL)


def _direct(call: _Call, alias: str, fn: Callable[[], T]) -> T:
    """Compute without the cache (it is unavailable), once per key in this process."""
    return run_once(
        alias,
        call.key,
        fn,
        wait=CACHE_LOCK_WAIT.value,
        computed=lambda: metrics.count(metrics.COMPUTES, call.name),
    )


def _compute(call: _Call, token: str, fn: Callable[[], T]) -> T:
    metrics.count(metrics.COMPUTES, call.name)
    try:
        value = fn()
    except BaseException:
        _release(call, token)
        raise
    _save(call, token, value)
    return value
