"""A ``RedisCluster`` built on first use, inside the circuit breaker, never at import or setup."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse


def _startup_nodes(locations: list[str]) -> list[Any]:
    from redis.cluster import ClusterNode

    nodes = []
    for location in locations:
        parsed = urlparse(location)
        nodes.append(ClusterNode(parsed.hostname or "127.0.0.1", parsed.port or 6379))  # type: ignore[no-untyped-call]
    return nodes


def build_cluster(
    locations: list[str], options: dict[str, Any], *, timeout: float | None = None
) -> Any:
    """Return a ``RedisCluster`` on ``locations`` with the alias's OPTIONS (``timeout`` wins)."""
    from redis.cluster import RedisCluster

    first = urlparse(locations[0])
    kwargs: dict[str, Any] = dict(options.get("CONNECTION_POOL_KWARGS", {}))
    socket_timeout = timeout if timeout is not None else options.get("SOCKET_TIMEOUT")
    connect_timeout = timeout if timeout is not None else options.get("SOCKET_CONNECT_TIMEOUT")
    if socket_timeout is not None:
        kwargs["socket_timeout"] = socket_timeout
    if connect_timeout is not None:
        kwargs["socket_connect_timeout"] = connect_timeout
    password = options.get("PASSWORD") or first.password
    if password:
        kwargs["password"] = password
    if first.username:
        kwargs["username"] = first.username
    if first.scheme == "rediss":
        kwargs["ssl"] = True
    return RedisCluster(startup_nodes=_startup_nodes(locations), **kwargs)


def is_cluster_alias(alias: str) -> bool:
    """Return True if ``CACHES[alias]`` uses ``ClusterClient`` (or a subclass)."""
    from django.core.cache import caches

    # An attribute, not isinstance: infra_core.redis.cluster imports this module.
    return bool(getattr(getattr(caches[alias], "client", None), "infra_cluster", False))


class LazyCluster:
    """A ``RedisCluster`` built on first use: a cluster that is down costs a failed call, not setup.

    redis-py's ``RedisCluster`` connects in its constructor; infra_core builds its guard outside
    the circuit breaker, so the connection waits for the first call, which runs inside it.
    """

    connection_pool = None  # not a plain pool: hot connections and the local tier stay off
    connection = None

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._client: Any = None
        self._lock = threading.Lock()

    def target(self) -> Any:
        """Return the cluster client, connecting it now if needed."""
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build()
                client = self._client
        return client

    def register_script(self, lua: str) -> Any:
        """Return a redis-py Script run through this client (no connection needed to build it)."""
        from redis.commands.core import Script

        return Script(self, lua)  # type: ignore[arg-type]

    def get_encoder(self) -> Any:
        from redis._parsers.encoders import Encoder

        return Encoder("utf-8", "strict", False)  # type: ignore[no-untyped-call]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target(), name)

    def close(self) -> None:
        """Close the cluster's connections, if it ever connected."""
        if self._client is not None:
            self._client.close()
            self._client = None
