"""Checks for the project's own data stores: databases, caches, Redis, migrations."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.conf import settings

from infra_core.health.base import CheckFailed, CheckWarning, HealthCheck
from infra_core.health.probes.policy import fail_closed_consumers


class DatabaseCheck(HealthCheck):
    """Run ``SELECT 1`` (or ``query``) on one alias; without ``alias``, one check per alias."""

    on_ready = True

    def __init__(self, *, alias: str = "default", query: str = "SELECT 1", **base: Any) -> None:
        super().__init__(**base)
        if alias not in settings.DATABASES:
            raise ValueError(f"unknown database alias {alias!r}")
        self.alias, self.query = alias, query

    @classmethod
    def expand(cls, options: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        if "alias" in options:
            return [(f"database:{options['alias']}", options)]
        return [(f"database:{alias}", {**options, "alias": alias}) for alias in settings.DATABASES]

    def check(self) -> str | None:
        from django.db import connections, transaction

        conn = connections[self.alias]
        # SET LOCAL inside a transaction: the server cancels the query at the check's timeout
        # (freeing the thread), and the timeout ends with the transaction instead of staying on
        # a connection that a pool (Django's or pgbouncer's) hands to the next request.
        with transaction.atomic(using=self.alias), conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                timeout = max(1, int(self.timeout * 1000))
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(timeout)])
            cursor.execute(self.query)
            cursor.fetchall()
        return None


class CacheCheck(HealthCheck):
    """Set, get and delete one unique key on a cache alias; without ``alias``, one per alias.

    Critical only when a consumer of the alias fails closed (``fail_closed_consumers``): while
    every consumer fails open, a cache outage makes the service degraded, not unready.
    """

    on_ready = True

    @classmethod
    def critical_default(cls, options: dict[str, Any]) -> bool:
        return bool(fail_closed_consumers(str(options.get("alias", "default"))))

    def __init__(self, *, alias: str = "default", **base: Any) -> None:
        super().__init__(**base)
        if alias not in settings.CACHES:
            raise ValueError(f"unknown cache alias {alias!r}")
        self.alias = alias

    @classmethod
    def expand(cls, options: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        if "alias" in options:
            return [(f"cache:{options['alias']}", options)]
        return [
            (f"cache:{alias}", {**options, "alias": alias})
            for alias, conf in settings.CACHES.items()
            if not str(cast(dict[str, Any], conf).get("BACKEND", "")).endswith("DummyCache")
        ]

    def check(self) -> str | None:
        from django.core.cache import caches

        cache = caches[self.alias]
        key = f"infra_core:health:{uuid.uuid4().hex}"
        try:
            # A 10 s expiry bounds the key's life even if the delete below never runs.
            cache.set(key, "1", timeout=10)
            if cache.get(key) != "1":
                raise CheckFailed("value written was not read back")
        finally:
            cache.delete(key)
        return None


class RedisCheck(HealthCheck):
    """PING Redis: a django-redis cache ``alias`` or a ``url`` with the check's socket timeout."""

    on_ready = True

    @classmethod
    def critical_default(cls, options: dict[str, Any]) -> bool:
        # A bare url has consumers infra_core cannot see: critical, as the entry asked for it.
        if options.get("url"):
            return True
        return bool(fail_closed_consumers(str(options.get("alias", "default"))))

    def __init__(self, *, alias: str = "default", url: str | None = None, **base: Any) -> None:
        super().__init__(**base)
        self.alias, self.url = alias, url

    @classmethod
    def default_name(cls, options: dict[str, Any]) -> str:
        return "redis" if options.get("url") else f"redis:{options.get('alias', 'default')}"

    def check(self) -> str | None:
        if self.url:
            import redis

            client = redis.Redis.from_url(
                self.url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
            )
            try:
                client.ping()
            finally:
                client.close()
            return None
        from django_redis import get_redis_connection

        from infra_core.redis.lazy import is_cluster_alias

        # Timeouts come from the cache's OPTIONS (SOCKET_TIMEOUT); infra_core.W302 warns if unset.
        client = get_redis_connection(self.alias)
        if is_cluster_alias(self.alias):
            # A cluster is up when every primary answers, not just the one PING goes to.
            client.ping(target_nodes="primaries")
        else:
            client.ping()
        return None


class MigrationsCheck(HealthCheck):
    """Warn (non-critical by default) while migrations on ``alias`` are unapplied."""

    default_critical = False

    def __init__(self, *, alias: str = "default", **base: Any) -> None:
        super().__init__(**base)
        self.alias = alias

    def check(self) -> str | None:
        from django.db import connections
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[self.alias])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            message = f"{len(plan)} unapplied migration(s)"
            if self.critical:
                raise CheckFailed(message)
            raise CheckWarning(message)
        return None
