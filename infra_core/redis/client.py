"""Guarded django-redis connections: one breaker and one short-timeout client per cache alias."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches

from infra_core.redis.breaker import CircuitBreaker
from infra_core.redis.conf import (
    REDIS_BREAKER_COOLDOWN,
    REDIS_BREAKER_FAILURES,
    REDIS_SOCKET_TIMEOUT,
)
from infra_core.redis.hot import HotConnections
from infra_core.redis.lazy import LazyCluster

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis could not serve a call (breaker open, timeout, connection error)."""

    def __init__(self, alias: str, retry_after: float, reason: str) -> None:
        super().__init__(f"Redis for cache {alias!r} unavailable: {reason}")
        self.alias = alias
        self.retry_after = retry_after


class NotRedisCache(Exception):
    """The cache alias is not a django-redis cache."""


def is_redis_cache(alias: str) -> bool:
    """Return True if ``CACHES[alias]`` uses a django-redis backend."""
    config = settings.CACHES.get(alias)
    backend = config.get("BACKEND", "") if isinstance(config, dict) else ""
    return str(backend).startswith("django_redis.")


# redis-py's "unlimited" pool size: nothing to split.
_UNLIMITED = 2**31


def split_connections(total: int) -> tuple[int, int]:
    """Return (pool, hot) shares of a ``max_connections`` cap, so the two never exceed it."""
    if total >= _UNLIMITED or total < 2:
        return total, total
    hot = total // 2
    return total - hot, hot


def _short_timeout_client(alias: str, timeout: float) -> tuple[Any, int | None]:
    """Return a client with infra_core's timeouts, and the connection share left for hot calls."""
    from django_redis import get_redis_connection
    from redis import ConnectionPool, Redis

    from infra_core.redis.lazy import build_cluster, is_cluster_alias

    if is_cluster_alias(alias):
        backend: Any = caches[alias]
        locations, options = backend.client.locations, backend.client._options
        return LazyCluster(lambda: build_cluster(locations, options, timeout=timeout)), None
    base = get_redis_connection(alias)
    pool = base.connection_pool
    if type(pool) is not ConnectionPool:
        # Sentinel/cluster pools need their own constructor arguments: use the alias's own
        # client (its configured SOCKET_TIMEOUT applies; the breaker still bounds an outage).
        return base, None
    kwargs = dict(pool.connection_kwargs)
    kwargs["socket_timeout"] = timeout
    kwargs["socket_connect_timeout"] = timeout
    own_share, hot_share = split_connections(pool.max_connections)
    own = ConnectionPool(
        connection_class=pool.connection_class, max_connections=own_share, **kwargs
    )
    return Redis(connection_pool=own), hot_share


class GuardedRedis:
    """A Redis client for one cache alias behind a circuit breaker."""

    def __init__(
        self, alias: str, client: Any, breaker: CircuitBreaker, *, hot_max: int | None = None
    ) -> None:
        self.alias = alias
        self.client = client
        self.breaker = breaker
        self._scripts: dict[str, Any] = {}
        # Lean one-command connections for the rate limiter's decision (None: use ``client``).
        self.hot: HotConnections | None = HotConnections.for_client(client, max_connections=hot_max)
        # The cache's own make_key (KEY_PREFIX, VERSION, KEY_FUNCTION), looked up once: the
        # per-thread caches[alias] lookup costs microseconds on every call.
        self.make_key: Callable[[str], str] = caches[alias].make_key

    def script(self, lua: str) -> Any:
        """Return a registered redis-py Script (EVALSHA, loading the text once on NOSCRIPT)."""
        try:
            return self._scripts[lua]
        except KeyError:
            registered = self._scripts[lua] = self.client.register_script(lua)
            return registered

    def run(self, fn: Callable[[Any], T]) -> T:
        """Return ``fn(client)``; raise RedisUnavailable at once while the breaker is open."""
        if not self.breaker.allow():
            raise RedisUnavailable(self.alias, self.breaker.retry_after(), "circuit breaker open")
        try:
            result = fn(self.client)
        except BaseException as exc:
            # Imported here, not per call: an import statement costs ~1 µs on the hot path.
            from redis.exceptions import RedisClusterException, RedisError

            # RedisClusterException: no cluster node reachable (it is not a RedisError).
            if isinstance(exc, RedisError | RedisClusterException | OSError):
                self.breaker.record_failure(exc)
                raise RedisUnavailable(
                    self.alias, self.breaker.retry_after(), type(exc).__name__
                ) from exc
            self.breaker.record_success()  # not a Redis fault: release a half-open trial
            raise
        self.breaker.record_success()
        return result


_lock = threading.Lock()
_guards: dict[str, GuardedRedis] = {}


def guarded(alias: str) -> GuardedRedis:
    """Return the guarded client of cache ``alias``; raise NotRedisCache for other backends."""
    try:
        return _guards[alias]
    except KeyError:
        pass
    if not is_redis_cache(alias):
        raise NotRedisCache(f"CACHES[{alias!r}] is not a django-redis cache")
    with _lock:
        if alias not in _guards:
            client, hot_max = _short_timeout_client(alias, REDIS_SOCKET_TIMEOUT.value)
            breaker = CircuitBreaker(
                f"redis:{alias}",
                failures=REDIS_BREAKER_FAILURES.value,
                cooldown=REDIS_BREAKER_COOLDOWN.value,
            )
            _guards[alias] = GuardedRedis(alias, client, breaker, hot_max=hot_max)
        return _guards[alias]


def reset(*, setting: str | None = None, **kwargs: Any) -> None:
    """Forget clients and breakers (a ``setting_changed`` receiver; tests call it directly)."""
    if setting is None or setting in {"CACHES", "INFRA_CORE"}:
        with _lock:
            for guard in _guards.values():
                if isinstance(guard.client, LazyCluster):
                    guard.client.close()
                elif guard.client is not None and hasattr(guard.client, "connection_pool"):
                    guard.client.connection_pool.disconnect()
                if guard.hot is not None:
                    guard.hot.close()
            _guards.clear()
