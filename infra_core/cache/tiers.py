"""One local tier per django-redis alias: the LRU, its tracking thread, the fast path's lookups."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from infra_core.cache.conf import CACHE_LOCAL_MAX_BYTES, CACHE_LOCAL_MAX_ENTRIES, CACHE_LOCAL_TTL
from infra_core.cache.local import MISSING, LocalCache
from infra_core.cache.store import RedisStore, store_for
from infra_core.cache.tracking import Tracker


def _factory(store: RedisStore) -> Any:
    from redis import ConnectionPool

    pool = store.guard.client.connection_pool
    if type(pool) is not ConnectionPool:
        kind = type(pool).__name__ if pool is not None else type(store.guard.client).__name__
        raise ValueError(
            f"local=True needs a plain Redis connection pool; CACHES[{store.alias!r}] uses "
            f"{kind} (Sentinel/Cluster: not supported by the local tier)"
        )
    kwargs = dict(pool.connection_kwargs)
    kwargs["protocol"] = 2  # the tracker speaks RESP2 pub/sub framing

    def build() -> Any:
        return pool.connection_class(**kwargs)

    return build


def _prefix(store: RedisStore) -> str:
    """Return the made keys' common prefix ("" when a KEY_FUNCTION has none)."""
    empty = store.make_key("")
    return empty if store.make_key("x") == empty + "x" else ""


class Tier:
    """The local tier of one alias."""

    def __init__(self, alias: str) -> None:
        store = store_for(alias)
        if not isinstance(store, RedisStore):
            raise ValueError(f"local=True needs a django-redis cache; {alias!r} is not one")
        self.make_key = store.make_key
        self.cache = LocalCache(CACHE_LOCAL_MAX_ENTRIES.value, CACHE_LOCAL_MAX_BYTES.value)
        self.max_age = CACHE_LOCAL_TTL.value
        self.tracker = Tracker(self.cache, _factory(store), _prefix(store))

    @property
    def live(self) -> bool:
        """Return True while entries may be served (the tracking subscription is live)."""
        return self.tracker.live

    def get(self, rk: str) -> Any:
        """Return the local entry of the made key ``rk``, or MISSING."""
        if not self.tracker.live:
            return MISSING
        return self.cache.get(rk)

    def put(self, rk: str, value: Any, size: int, fresh_until: float, seq: int) -> None:
        """Remember a value read or written at sequence ``seq`` (never past its freshness)."""
        if not self.tracker.live:
            return
        age = self.max_age
        if fresh_until:
            age = min(age, fresh_until - time.time())
        self.cache.put(rk, value, size, age, seq)


_lock = threading.Lock()
_tiers: dict[str, Tier] = {}


def tier_for(alias: str) -> Tier:
    """Return the local tier of ``alias``, starting its tracking thread on first use."""
    tier = _tiers.get(alias)
    if tier is not None:  # a fork clears _tiers; the thread itself only ends in stop()
        return tier
    with _lock:
        tier = _tiers.get(alias)
        if tier is None or not tier.tracker.alive:
            tier = _tiers[alias] = Tier(alias)
        return tier


def reset(*, setting: str | None = None, **kwargs: Any) -> None:
    """Stop every tracking thread and forget the tiers (settings changed; tests)."""
    if setting is None or setting in {"CACHES", "INFRA_CORE"}:
        with _lock:
            tiers = list(_tiers.values())
            _tiers.clear()
        for tier in tiers:
            if tier.tracker.alive:
                tier.tracker.stop()


def _after_fork_in_child() -> None:
    _tiers.clear()  # the parent's threads do not exist here; tiers restart on first use


os.register_at_fork(after_in_child=_after_fork_in_child)
