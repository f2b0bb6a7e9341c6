"""Namespaces with O(1) invalidation, explicit and pattern deletes, counters with a TTL.

Failures never raise: they are logged, counted (``infra_core_cache_errors_total``) and reported
in the return value (False, 0 or None), so a write path never fails because of the cache.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from infra_core.cache import metrics
from infra_core.cache.local import MISSING
from infra_core.cache.store import LOCK_SUFFIX, RedisStore, store_for
from infra_core.cache.tiers import tier_for
from infra_core.cache.ttl import TTL, jittered_ms, resolve
from infra_core.redis import RedisUnavailable

logger = logging.getLogger("infra_core.cache")

VERSION_PREFIX = "infra_core:ns:"
SCAN_BATCH = 500
# KEYS[1] counter; ARGV[1] delta, ARGV[2] TTL in ms (0: none). INCRBY and the TTL in one step:
# the INCR-then-EXPIRE race leaves counters that never expire (django-redis#181).
INCR_LUA = """
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return n
"""


def _failed(operation: str, name: str, exc: BaseException) -> None:
    metrics.count(metrics.ERRORS, name, operation)
    logger.warning("cache %s failed for %s: %s", operation, name, exc)


def version(namespace: str, *, alias: str = "default", local: bool = False) -> str | None:
    """Return the current version of ``namespace`` ("0" before any bump); None if unavailable.

    ``local=True`` reads it through the local tier (kept coherent by tracking: a bump in any
    process evicts it).
    """
    store = store_for(alias)
    key = VERSION_PREFIX + namespace
    tier = tier_for(alias) if local else None
    if tier is not None:
        rk = tier.make_key(key)
        cached = tier.get(rk)
        if cached is not MISSING:
            return cached  # type: ignore[no-any-return]
        seq = tier.cache.seq
    try:
        if isinstance(store, RedisStore):
            rk = store.make_key(key)
            raw = store.guard.run(lambda client: client.get(rk))
        else:
            raw = store._call(store.cache.get, key)
    except RedisUnavailable as exc:
        _failed("read", namespace, exc)
        return None
    current = "0" if raw is None else raw.decode() if isinstance(raw, bytes) else str(raw)
    if tier is not None:
        tier.put(rk, current, len(current) + len(rk), 0.0, seq)
    return current


def versioned_key(
    namespace: str, *parts: object, alias: str = "default", local: bool = False
) -> str:
    """Return ``"<namespace>:v<version>:<parts...>"``; ``bump(namespace)`` retires them all.

    Costs one GET (none with ``local=True`` while the version is in the local tier). With the
    cache unavailable the key carries a unique marker instead of the version, so a value stored
    under it is never read again (it expires by its TTL).
    """
    current = version(namespace, alias=alias, local=local)
    if current is None:
        current = "down-" + os.urandom(6).hex()
    return ":".join([namespace, "v" + current, *(str(p) for p in parts)])


def bump(namespace: str, *, alias: str = "default") -> bool:
    """Invalidate every ``versioned_key(namespace, ...)`` in O(1) (INCR); False if it failed."""
    store = store_for(alias)
    key = VERSION_PREFIX + namespace
    try:
        if isinstance(store, RedisStore):
            rk = store.make_key(key)
            store.guard.run(lambda client: client.incr(rk))
        else:
            cache = store.cache
            store._call(cache.add, key, 0, None)
            store._call(cache.incr, key)
    except RedisUnavailable as exc:
        _failed("invalidate", namespace, exc)
        return False
    return True


def invalidate(*keys: str, alias: str = "default") -> int:
    """Delete ``keys`` (and their locks, so running computations do not store); return count.

    Returns 0 when the cache is unavailable (logged and counted).
    """
    if not keys:
        return 0
    try:
        return store_for(alias).delete(keys)
    except RedisUnavailable as exc:
        _failed("invalidate", "default", exc)
        return 0


def invalidate_pattern(pattern: str, *, alias: str = "default", batch: int = SCAN_BATCH) -> int:
    """Delete every key matching the glob ``pattern`` with SCAN in batches (never KEYS).

    The pattern is prefixed like django-redis's ``delete_pattern`` (KEY_PREFIX, VERSION escaped);
    each batch of at most ``batch`` keys is UNLINKed as it is found. Returns the deleted count.
    """
    store = store_for(alias)
    if not isinstance(store, RedisStore):
        raise ValueError(f"invalidate_pattern needs a django-redis cache; {alias!r} is not one")
    from django.core.cache import caches

    match = str(caches[alias].client.make_pattern(pattern))  # type: ignore[attr-defined]
    if store.cluster:
        try:
            return int(store.guard.run(lambda client: _cluster_unlink(client, match, batch)))
        except RedisUnavailable as exc:
            _failed("invalidate", "pattern", exc)
            return 0
    deleted, cursor = 0, 0
    try:
        while True:

            def step(client: Any, at: int = cursor) -> tuple[int, int]:
                nxt, found = client.scan(at, match=match, count=batch)
                doomed = [k for k in found if not k.endswith(LOCK_SUFFIX.encode())]
                if found:
                    client.unlink(*found)
                return int(nxt), len(doomed)

            cursor, count = store.guard.run(step)
            deleted += count
            if cursor == 0:
                return deleted
    except RedisUnavailable as exc:
        _failed("invalidate", "pattern", exc)
        return deleted


def _cluster_unlink(client: Any, match: str, batch: int) -> int:
    """SCAN every primary of a cluster for ``match`` and the matching keys' locks; UNLINK them.

    Locks of keys without a hash tag are ``{<key>}:__lock__`` there (``cluster_lock_key``),
    which the pattern itself does not match: a second walk finds them.
    """
    deleted = 0
    for pattern, counted in ((match, True), ("{" + match + "}" + LOCK_SUFFIX, False)):
        found: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=batch):
            found.append(key)
            if len(found) >= batch:
                deleted += _unlink(client, found, counted)
                found = []
        if found:
            deleted += _unlink(client, found, counted)
    return deleted


def _unlink(client: Any, found: list[bytes], counted: bool) -> int:
    client.unlink(*found)
    return sum(1 for k in found if not k.endswith(LOCK_SUFFIX.encode())) if counted else 0


def increment(key: str, delta: int = 1, *, ttl: TTL = None, alias: str = "default") -> int | None:
    """Add ``delta`` to the counter ``key`` and return it; the TTL is set when it has none.

    Atomic on Redis (one script). None when the cache is unavailable (logged and counted).
    """
    seconds = resolve(ttl)
    store = store_for(alias)
    try:
        if isinstance(store, RedisStore):
            rk = store.make_key(key)
            px = jittered_ms(seconds) if seconds is not None else 0
            script = store.guard.script(INCR_LUA)
            return int(store.guard.run(lambda client: script(keys=[rk], args=[delta, px])))
        cache = store.cache
        store._call(cache.add, key, 0, seconds)
        return int(store._call(cache.incr, key, delta))
    except RedisUnavailable as exc:
        _failed("counter", "default", exc)
        return None


def decrement(key: str, delta: int = 1, *, ttl: TTL = None, alias: str = "default") -> int | None:
    """Subtract ``delta`` from the counter ``key`` (see ``increment``)."""
    return increment(key, -delta, ttl=ttl, alias=alias)
