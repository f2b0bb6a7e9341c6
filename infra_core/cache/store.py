"""Where cache-aside entries live: Redis through the guarded client, or any Django cache.

Both stores speak the same small protocol (get, claim, lock, store, release, delete) on keys the
caller gives unprefixed. Every failure surfaces as ``RedisUnavailable``; the caller applies the
outage policy. Redis entries are written only by the holder of the key's lock (see ``STORE_LUA``).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from infra_core.redis import RedisUnavailable, guarded, is_redis_cache
from infra_core.redis.lazy import LazyCluster

LOCK_SUFFIX = ":__lock__"
VALUE, ACQUIRED, BUSY = 1, 2, 0

# KEYS[1] value, KEYS[2] lock; ARGV[1] token, ARGV[2] lock TTL in ms. The value if present, else
# the lock if free: a waiter polling with this takes over at once when the holder gave up.
CLAIM_LUA = """
local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2, false} end
return {0, false}
"""
# KEYS[1] value, KEYS[2] lock; ARGV[1] token, ARGV[2] payload, ARGV[3] TTL in ms (0: none).
# Only the lock's owner writes: an invalidation deletes the lock with the value, so a computation
# that started before it never stores its (possibly stale) result after it.
STORE_LUA = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
redis.call('DEL', KEYS[2])
return 1
"""
# KEYS[1] lock; ARGV[1] token: delete the lock only if this caller still owns it.
RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def plain_lock_key(rk: str) -> str:
    """Return the lock of made key ``rk`` on one Redis server: ``<key>:__lock__``."""
    return rk + LOCK_SUFFIX


def cluster_lock_key(rk: str) -> str:
    """Return the lock of ``rk`` on a Redis Cluster, in ``rk``'s hash slot.

    A key with a hash tag keeps ``<key>:__lock__`` (same tag, same slot); any other key's lock is
    ``{<key>}:__lock__``, whose tag is the whole key, so both hash alike. A key with a ``}`` but
    no tag cannot be its own tag: its lock is tagged with a short string of the same slot.
    """
    start = rk.find("{")
    if start != -1 and rk.find("}", start + 2) != -1 and rk.find("}", start + 1) != start + 1:
        return rk + LOCK_SUFFIX
    if "}" not in rk:
        return "{" + rk + "}" + LOCK_SUFFIX
    from redis.crc import key_slot

    return "{" + _slot_tag(key_slot(rk.encode())) + "}" + rk + LOCK_SUFFIX


@lru_cache(maxsize=1024)
def _slot_tag(slot: int) -> str:
    """Return the first decimal string hashing to ``slot`` (found in ~16k tries at most)."""
    from redis.crc import key_slot

    for n in range(1_000_000):  # bounded: every slot is hit far sooner
        if key_slot(b"%d" % n) == slot:
            return str(n)
    raise ValueError(f"no tag found for slot {slot}")


def _pack_get(key: bytes) -> bytes:
    return b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key)


def _pack(*parts: bytes) -> bytes:
    """Return one command in the Redis protocol (redis-py's packer costs a few µs more)."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        out.append(b"$%d\r\n%s\r\n" % (len(part), part))
    return b"".join(out)


def _bytes(value: str | bytes | int) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()


class RedisStore:
    """Entries in a django-redis alias, through ``infra_core.redis.guarded`` (breaker, timeouts)."""

    shared = True

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.guard = guarded(alias)
        self.make_key = self.guard.make_key
        self.hot = self.guard.hot
        self._claim = self.guard.script(CLAIM_LUA)
        self._store = self.guard.script(STORE_LUA)
        self._release = self.guard.script(RELEASE_LUA)
        self.cluster = isinstance(self.guard.client, LazyCluster)
        self.lock_key = cluster_lock_key if self.cluster else plain_lock_key

    def get(self, key: str) -> bytes | None:
        """Return the raw entry of ``key`` or None (one GET)."""
        rk = self.make_key(key)
        hot = self.hot
        if hot is not None:
            packed = _pack_get(rk.encode())
            return self.guard.run(lambda _client: hot.call(packed))  # type: ignore[no-any-return]
        return self.guard.run(lambda client: client.get(rk))  # type: ignore[no-any-return]

    def _eval(self, script: Any, keys: list[str], args: list[str | bytes | int]) -> Any:
        """Run a registered script: pre-packed EVALSHA on a hot connection when there is one."""
        hot = self.hot
        if hot is None:
            return self.guard.run(lambda client: script(keys=keys, args=args))
        parts = [_bytes(p) for p in (*keys, *args)]

        def call(client: Any) -> Any:
            from redis.exceptions import NoScriptError

            packed = _pack(b"EVALSHA", script.sha.encode(), b"%d" % len(keys), *parts)
            try:
                return hot.call(packed)
            except NoScriptError:  # a restarted or flushed Redis forgot it: load, try once more
                script.sha = client.script_load(script.script)
                packed = _pack(b"EVALSHA", script.sha.encode(), b"%d" % len(keys), *parts)
                return hot.call(packed)

        return self.guard.run(call)

    def claim(self, key: str, token: str, lock_ms: int) -> tuple[int, bytes | None]:
        """Return (VALUE, raw) if present, (ACQUIRED, None) if the lock was free, else BUSY."""
        rk = self.make_key(key)
        state, raw = self._eval(self._claim, [rk, self.lock_key(rk)], [token, lock_ms])
        return int(state), raw or None

    def lock(self, key: str, token: str, lock_ms: int) -> bool:
        """Take ``key``'s lock if it is free."""
        lk = self.lock_key(self.make_key(key))
        return bool(self.guard.run(lambda client: client.set(lk, token, nx=True, px=lock_ms)))

    def store(self, key: str, raw: bytes, px: int, token: str) -> bool:
        """Write ``raw`` (TTL ``px`` ms, 0: none) if ``token`` still owns the lock; release it."""
        rk = self.make_key(key)
        return bool(self._eval(self._store, [rk, self.lock_key(rk)], [token, raw, px]))

    def release(self, key: str, token: str) -> None:
        """Delete ``key``'s lock if ``token`` owns it."""
        self._eval(self._release, [self.lock_key(self.make_key(key))], [token])

    def delete(self, keys: tuple[str, ...]) -> int:
        """Delete the entries and their locks; return how many entries existed."""
        made = [self.make_key(k) for k in keys]
        locks = [self.lock_key(k) for k in made]

        def unlink(client: Any) -> int:
            if self.cluster:  # keys span slots: redis-py splits UNLINK by slot, no pipeline
                removed = int(client.unlink(*made))
                client.unlink(*locks)
                return removed
            pipe = client.pipeline(transaction=False)
            pipe.unlink(*made)
            pipe.unlink(*locks)
            return int(pipe.execute()[0])

        return self.guard.run(unlink)


class DjangoStore:
    """Entries in any Django cache backend (per process for LocMem: see system check W509)."""

    def __init__(self, alias: str) -> None:
        from django.core.cache import caches
        from django.core.cache.backends.locmem import LocMemCache

        self.alias = alias
        self.cache = caches[alias]
        self.shared = not isinstance(self.cache, LocMemCache)

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:  # memcached, database...: one outage policy for every backend
            raise RedisUnavailable(self.alias, 0.0, type(exc).__name__) from exc

    def get(self, key: str) -> bytes | None:
        """Return the raw entry of ``key`` or None."""
        return self._call(self.cache.get, key)  # type: ignore[no-any-return]

    def claim(self, key: str, token: str, lock_ms: int) -> tuple[int, bytes | None]:
        """Return (VALUE, raw) if present, (ACQUIRED, None) if the lock was free, else BUSY."""
        raw = self.get(key)
        if raw is not None:
            return VALUE, raw
        return (ACQUIRED, None) if self.lock(key, token, lock_ms) else (BUSY, None)

    def lock(self, key: str, token: str, lock_ms: int) -> bool:
        """Take ``key``'s lock if it is free (``cache.add``)."""
        return bool(self._call(self.cache.add, key + LOCK_SUFFIX, token, lock_ms / 1000))

    def store(self, key: str, raw: bytes, px: int, token: str) -> bool:
        """Write ``raw`` if ``token`` still owns the lock (not atomic on these backends)."""
        if self._call(self.cache.get, key + LOCK_SUFFIX) != token:
            return False
        self._call(self.cache.set, key, raw, px / 1000 if px else None)
        self._call(self.cache.delete, key + LOCK_SUFFIX)
        return True

    def release(self, key: str, token: str) -> None:
        """Delete ``key``'s lock if ``token`` owns it."""
        if self._call(self.cache.get, key + LOCK_SUFFIX) == token:
            self._call(self.cache.delete, key + LOCK_SUFFIX)

    def delete(self, keys: tuple[str, ...]) -> int:
        """Delete the entries and their locks; return how many entries existed."""
        present = self._call(self.cache.get_many, list(keys))
        self._call(self.cache.delete_many, [*keys, *(k + LOCK_SUFFIX for k in keys)])
        return len(present)


Store = RedisStore | DjangoStore
_lock = threading.Lock()
_stores: dict[str, Store] = {}


def store_for(alias: str) -> Store:
    """Return the store of cache ``alias`` (built once per alias until settings change)."""
    try:
        return _stores[alias]
    except KeyError:
        pass
    with _lock:
        if alias not in _stores:
            _stores[alias] = RedisStore(alias) if is_redis_cache(alias) else DjangoStore(alias)
        return _stores[alias]


def reset(*, setting: str | None = None, **kwargs: Any) -> None:
    """Forget the stores (a ``setting_changed`` receiver: CACHES or INFRA_CORE changed)."""
    if setting is None or setting in {"CACHES", "INFRA_CORE"}:
        with _lock:
            _stores.clear()
