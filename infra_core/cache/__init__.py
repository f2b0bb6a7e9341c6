"""Cache-aside that never stampedes, serves stale, survives Redis outages, invalidates on commit.

See docs/cache.md. Nothing here reads settings or touches Redis at import time.
"""

from __future__ import annotations

from infra_core.cache.aside import get_or_compute
from infra_core.cache.aside_async import aget_or_compute
from infra_core.cache.decorators import cached
from infra_core.cache.keys import (
    bump,
    decrement,
    increment,
    invalidate,
    invalidate_pattern,
    version,
    versioned_key,
)
from infra_core.cache.signals import cache_invalidated
from infra_core.cache.stats import stats

__all__ = [
    "aget_or_compute",
    "bump",
    "cache_invalidated",
    "cached",
    "decrement",
    "get_or_compute",
    "increment",
    "invalidate",
    "invalidate_pattern",
    "stats",
    "version",
    "versioned_key",
]
