"""The one Redis resilience helper: short timeouts, a circuit breaker, an explicit failure policy.

Every Redis-touching feature goes through ``guarded(alias).run(fn)``; while the breaker is open a
call fails in microseconds with ``RedisUnavailable`` and the caller applies its documented policy.
"""

from __future__ import annotations

from infra_core.redis.breaker import BreakerState, CircuitBreaker
from infra_core.redis.client import (
    GuardedRedis,
    NotRedisCache,
    RedisUnavailable,
    guarded,
    is_redis_cache,
    reset,
)

__all__ = [
    "BreakerState",
    "CircuitBreaker",
    "GuardedRedis",
    "NotRedisCache",
    "RedisUnavailable",
    "guarded",
    "is_redis_cache",
    "reset",
]
