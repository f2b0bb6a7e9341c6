"""Scale-out fixtures: a 3-master Redis Cluster and a Sentinel setup, throwaways on loopback."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra_core import redis as infra_redis
from infra_core.cache import store as cache_store
from infra_core.ratelimit import decision as limiter
from tests.scaleout.servers import Cluster, SentinelSetup, start_cluster, start_sentinel

# Figures measured by this run, printed in the terminal summary (and written as JSON if asked).
FIGURES: dict[str, Any] = {}


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One 3-master cluster for the session's non-destructive tests."""
    started = start_cluster(tmp_path_factory.mktemp("cluster"))
    FIGURES["cluster_setup_seconds"] = round(started.setup_seconds, 2)
    try:
        yield started
    finally:
        started.servers.stop()


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A cluster this test alone uses and may break (a master killed)."""
    started = start_cluster(tmp_path)
    try:
        yield started
    finally:
        started.servers.stop()


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[SentinelSetup]:
    """Master, replica and 3 sentinels this test alone uses (it fails the master over)."""
    started = start_sentinel(tmp_path)
    FIGURES["sentinel_setup_seconds"] = round(started.setup_seconds, 2)
    try:
        yield started
    finally:
        started.servers.stop()


@pytest.fixture(autouse=True)
def _fresh_guards() -> Iterator[None]:
    """Clients, breakers and fallback counts of one test never reach the next."""
    infra_redis.reset()
    cache_store.reset()
    limiter.forget_targets()
    limiter.FALLBACK.clear()
    yield
    infra_redis.reset()
    cache_store.reset()
    limiter.forget_targets()
    limiter.FALLBACK.clear()


def cluster_cache(cluster: Cluster, timeout: float = 0.5) -> dict[str, object]:
    """CACHES entry for ``cluster`` through infra_core's ClusterClient."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": ",".join(f"redis://127.0.0.1:{p}/0" for p in cluster.ports),
        "KEY_PREFIX": "scaleout",
        "OPTIONS": {
            "CLIENT_CLASS": "infra_core.redis.cluster.ClusterClient",
            "SOCKET_CONNECT_TIMEOUT": timeout,
            "SOCKET_TIMEOUT": timeout,
        },
    }


def sentinel_cache(setup: SentinelSetup, timeout: float = 0.25) -> dict[str, object]:
    """CACHES entry for ``setup`` through django-redis's SentinelClient."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": f"redis://{setup.name}/0",
        "KEY_PREFIX": "scaleout",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.SentinelClient",
            "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
            "SENTINELS": [("127.0.0.1", p) for p in setup.sentinels],
            "SENTINEL_KWARGS": {"socket_timeout": timeout, "socket_connect_timeout": timeout},
            "SOCKET_CONNECT_TIMEOUT": timeout,
            "SOCKET_TIMEOUT": timeout,
        },
    }


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.write_sep("-", "scale-out figures")
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name}: {value}")
    target = os.environ.get("INFRA_SCALEOUT_FIGURES")
    if target:
        Path(target).write_text(json.dumps(FIGURES, indent=2, sort_keys=True) + "\n")
