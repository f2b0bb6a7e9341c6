"""Operator actions behind ``manage.py infra_ratelimit``: reset, status, purge violations."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.cache import caches

from infra_core.ratelimit.conf import (
    RATELIMIT_CACHE,
    RATELIMIT_DEFAULT_PLAN,
    RATELIMIT_ENABLED,
    RATELIMIT_RATES,
)
from infra_core.ratelimit.decision import FALLBACK, LOCAL, bucket_prefix
from infra_core.ratelimit.keys import bounded
from infra_core.redis import RedisUnavailable, guarded, is_redis_cache
from infra_core.redis.lazy import LazyCluster

_GLOB = re.compile(r"([*?\[\]\\])")
# SCAN page size and a hard cap on pages: a reset must end even on a huge keyspace.
_SCAN_COUNT = 500
_MAX_PAGES = 10_000
_MAX_KEYS = _SCAN_COUNT * 100  # one identity's buckets: a handful per rate and algorithm


def reset_identity(scope: str, ident: str) -> int:
    """Delete every bucket of ``ident`` in ``scope`` (all rates); return how many were deleted."""
    raw_prefix = bucket_prefix(scope, bounded(ident))
    removed = LOCAL.forget_prefix(raw_prefix) + FALLBACK.forget_prefix(raw_prefix)
    alias = RATELIMIT_CACHE.value
    if not is_redis_cache(alias):
        return removed
    pattern = _GLOB.sub(r"\\\1", caches[alias].make_key(raw_prefix)) + "*"
    guard = guarded(alias)

    def delete(client: Any) -> int:
        if isinstance(client, LazyCluster):
            # One identity's buckets share a hash tag, hence one node; redis-py walks each primary.
            doomed = list(islice(client.scan_iter(match=pattern, count=_SCAN_COUNT), _MAX_KEYS))
            return int(client.delete(*doomed)) if doomed else 0
        count, cursor = 0, 0
        for _ in range(_MAX_PAGES):
            cursor, found = client.scan(cursor=cursor, match=pattern, count=_SCAN_COUNT)
            if found:
                count += int(client.delete(*found))
            if cursor == 0:
                break
        return count

    return removed + guard.run(delete)


def status() -> dict[str, Any]:
    """Return the backend, breaker state, a Redis round trip and the configured rates."""
    alias = RATELIMIT_CACHE.value
    config = settings.CACHES.get(alias, {})
    info: dict[str, Any] = {
        "enabled": RATELIMIT_ENABLED.value,
        "cache": alias,
        "backend": config.get("BACKEND") if isinstance(config, dict) else None,
        "shared": is_redis_cache(alias),
        "default_plan": RATELIMIT_DEFAULT_PLAN.value,
        "rates": RATELIMIT_RATES.value,
    }
    if not info["shared"]:
        return info
    guard = guarded(alias)
    start = time.perf_counter()
    try:
        guard.run(lambda client: client.ping())
        info["redis"] = f"ok ({(time.perf_counter() - start) * 1000:.2f} ms)"
    except RedisUnavailable as exc:
        info["redis"] = f"unavailable: {exc}"
    info["breaker"] = guard.breaker.state.value
    return info


def purge_violations(older_than: timedelta, *, now: datetime | None = None) -> int:
    """Delete RateLimitViolation rows whose last block is older than ``older_than``."""
    from infra_core.ratelimit.models import RateLimitViolation
    from infra_core.retention.policies import Policy
    from infra_core.retention.services import delete_expired

    policy = Policy(RateLimitViolation, "last_at", older_than)
    return delete_expired(policy, now=now).rows
