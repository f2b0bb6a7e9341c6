"""Built-in health checks, named in ``HEALTH_CHECKS`` as ``infra_core.health.probes.<Class>``."""

from __future__ import annotations

from infra_core.health.probes.data import CacheCheck, DatabaseCheck, MigrationsCheck, RedisCheck
from infra_core.health.probes.remote import CeleryBrokerCheck, CeleryWorkersCheck, HttpCheck
from infra_core.health.probes.system import DiskCheck, MemoryCheck

__all__ = [
    "CacheCheck",
    "CeleryBrokerCheck",
    "CeleryWorkersCheck",
    "DatabaseCheck",
    "DiskCheck",
    "HttpCheck",
    "MemoryCheck",
    "MigrationsCheck",
    "RedisCheck",
]
