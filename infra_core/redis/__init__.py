"""The one Redis resilience helper: short timeouts, a circuit breaker, an explicit failure policy.

Features that keep state in Redis (rate limits, the cache) go through ``guarded(alias).run(fn)``;
while the breaker is open a call fails in microseconds with ``RedisUnavailable`` and the caller
applies its documented policy. Health probes deliberately connect on their own (django-redis's
client, bounded by their timeout), so they report Redis as it is even while a breaker is open.
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
