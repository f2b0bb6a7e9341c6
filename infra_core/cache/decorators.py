"""``@cached``: cache-aside around a sync or async function."""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from typing import Any

from infra_core.cache.aside import get_or_compute
from infra_core.cache.aside_async import aget_or_compute
from infra_core.cache.keys import invalidate, versioned_key
from infra_core.cache.ttl import TTL

KeyFunction = Callable[..., str]
# Aliases @cached functions use (for check W509), filled at decoration time.
DECORATED_ALIASES: set[str] = set()


def default_key(func: Callable[..., Any]) -> KeyFunction:
    """Return a key function: the function's dotted name and a hash of its arguments' repr."""
    prefix = f"{func.__module__}.{func.__qualname__}:"

    def key(*args: Any, **kwargs: Any) -> str:
        text = repr((args, sorted(kwargs.items())))
        return prefix + hashlib.sha256(text.encode()).hexdigest()[:32]

    return key


def cached(
    ttl: TTL = None,
    *,
    key: KeyFunction | None = None,
    stale_ttl: float | None = None,
    alias: str = "default",
    namespace: str | None = None,
    local: bool = False,
) -> Callable[[Callable[..., Any]], Any]:
    """Cache a function's result per arguments (``key(*args, **kwargs)`` names the entry).

    With ``namespace`` the entry lives under ``versioned_key(namespace, key)``, so
    ``bump(namespace)`` drops all of them. The wrapper has ``.invalidate(*args, **kwargs)`` and
    ``.cache_key(*args, **kwargs)``. Async functions get an async wrapper.
    """

    def decorate(func: Callable[..., Any]) -> Any:
        DECORATED_ALIASES.add(alias)
        make = key or default_key(func)

        def cache_key(*args: Any, **kwargs: Any) -> str:
            base = make(*args, **kwargs)
            if not namespace:
                return base
            return versioned_key(namespace, base, alias=alias, local=local)

        def drop(*args: Any, **kwargs: Any) -> int:
            return invalidate(cache_key(*args, **kwargs), alias=alias)

        options: dict[str, Any] = {
            "stale_ttl": stale_ttl,
            "alias": alias,
            "namespace": namespace,
            "local": local,
        }
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return await aget_or_compute(
                    cache_key(*args, **kwargs), lambda: func(*args, **kwargs), ttl, **options
                )

            wrapper: Any = async_wrapper
        else:

            @functools.wraps(func)
            def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
                return get_or_compute(
                    cache_key(*args, **kwargs), lambda: func(*args, **kwargs), ttl, **options
                )

            wrapper = sync_wrapper
        wrapper.invalidate = drop
        wrapper.cache_key = cache_key
        return wrapper

    return decorate
