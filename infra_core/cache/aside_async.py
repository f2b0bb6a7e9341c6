"""``aget_or_compute``: the async driver of cache-aside (same steps as ``get_or_compute``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from infra_core.cache import metrics
from infra_core.cache.aside import (
    _FIRST_POLL,
    _MAX_POLL,
    _Call,
    _claim,
    _local,
    _lock_for_refresh,
    _next_poll,
    _read,
    _release,
    _save,
    _token,
)
from infra_core.cache.conf import CACHE_LOCK_WAIT
from infra_core.cache.ttl import TTL

T = TypeVar("T")


async def aget_or_compute(
    key: str,
    fn: Callable[[], Awaitable[T]],
    ttl: TTL = None,
    *,
    stale_ttl: float | None = None,
    alias: str = "default",
    local: bool = False,
    namespace: str | None = None,
) -> T:
    """Return the cached value of ``key`` or ``await fn()``'s; waits without blocking the loop.

    The Redis commands themselves run inline (each bounded by ``REDIS_SOCKET_TIMEOUT`` and the
    breaker), as one GET costs less than a thread hand-off.
    """
    if local:
        value, call = _local(key, ttl, stale_ttl, alias, namespace)
        if call is None:
            return value  # type: ignore[no-any-return]
    else:
        call = _Call(key, ttl, stale_ttl, alias, namespace)
    state, value = _read(call)
    if state == "hit":
        return value  # type: ignore[no-any-return]
    if state == "down":
        metrics.count(metrics.COMPUTES, call.name)
        return await fn()
    token = _token()
    if state == "stale":
        return await _acompute(call, token, fn) if _lock_for_refresh(call, token) else value
    deadline = time.monotonic() + CACHE_LOCK_WAIT.value
    delay, waited = _FIRST_POLL, False
    while True:
        state, value = _claim(call, token)
        if state == "value":
            if waited:
                metrics.count(metrics.LOCK_WAITS, call.name, "filled")
            return value  # type: ignore[no-any-return]
        if state == "acquired":
            return await _acompute(call, token, fn)
        if state == "down":
            metrics.count(metrics.COMPUTES, call.name)
            return await fn()
        waited = True
        pause = _next_poll(delay, deadline)
        if pause <= 0:
            metrics.count(metrics.LOCK_WAITS, call.name, "timeout")
            metrics.count(metrics.COMPUTES, call.name)
            return await fn()
        await asyncio.sleep(pause)
        delay = min(delay * 2, _MAX_POLL)


async def _acompute(call: _Call, token: str, fn: Callable[[], Awaitable[T]]) -> T:
    metrics.count(metrics.COMPUTES, call.name)
    try:
        value = await fn()
    except BaseException:
        _release(call, token)
        raise
    _save(call, token, value)
    return value
