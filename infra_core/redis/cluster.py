"""Redis Cluster behind a django-redis cache alias (``CLIENT_CLASS``: ``ClusterClient``).

django-redis 7 has no Cluster client. This one keeps django-redis's cache API (serializer,
compressor, key function) and talks to the cluster through redis-py's ``RedisCluster``: every
``LOCATION`` entry is a startup node of one cluster, not a replica. infra_core's own paths (rate
limits, cache-aside, health) build their own ``RedisCluster`` with ``REDIS_SOCKET_TIMEOUT``
(``infra_core.redis.lazy``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django_redis.client import DefaultClient

from infra_core.redis.lazy import build_cluster


class ClusterClient(DefaultClient):  # type: ignore[misc]
    """A django-redis client on a Redis Cluster (each LOCATION entry: one startup node)."""

    infra_cluster = True

    def __init__(self, server: Any, params: dict[str, Any], backend: Any) -> None:
        super().__init__(server, params, backend)
        self.locations = [str(s).strip() for s in self._server]  # type: ignore[has-type]
        self._server = [",".join(self.locations)]  # one cluster, not a primary and replicas
        self._clients = [None]

    def get_next_client_index(self, write: bool = True, tried: list[int] | None = None) -> int:
        return 0

    def connect(self, index: int = 0) -> Any:
        return build_cluster(self.locations, self._options)

    def disconnect(self, index: int = 0, client: Any = None) -> None:
        client = client if client is not None else self._clients[index]
        if client is not None:
            client.close()

    def get_many(self, keys: Any, version: int | None = None, client: Any = None) -> Any:
        """Return the values of ``keys`` (one MGET per slot: keys span slots on a cluster)."""
        if not keys:
            return {}
        client = client if client is not None else self.get_client(write=False)
        made = {self.make_key(k, version=version): k for k in keys}
        values = client.mget_nonatomic(*made)
        return {
            made[rk]: self.decode(v) for rk, v in zip(made, values, strict=True) if v is not None
        }

    def keys(self, search: str, version: int | None = None, client: Any = None) -> list[Any]:
        """Return the keys matching ``search`` on every primary (SCAN, not one node's KEYS)."""
        return list(self.iter_keys(search, version=version, client=client))

    def iter_keys(
        self,
        search: str,
        itersize: int | None = None,
        client: Any = None,
        version: int | None = None,
    ) -> Iterator[Any]:
        client = client if client is not None else self.get_client(write=False)
        pattern = self.make_pattern(search, version=version)
        for item in client.scan_iter(match=pattern, count=itersize):
            yield self.reverse_key(item.decode())
