"""TTL presets and jitter: what a ``ttl`` argument means in seconds, and how it is spread."""

from __future__ import annotations

import random
from collections.abc import Callable

from infra_core.cache.conf import CACHE_DEFAULT_TTL, CACHE_TTL_JITTER, CACHE_TTLS

TTL = float | int | str | None


def resolve(ttl: TTL) -> float | None:
    """Return ``ttl`` in seconds (None: no expiry); a str names a ``CACHE_TTLS`` preset.

    ``None`` means ``CACHE_DEFAULT_TTL``; raise ValueError for an unknown preset or a TTL <= 0.
    """
    if ttl is None:
        return CACHE_DEFAULT_TTL.value
    if isinstance(ttl, str):
        presets = CACHE_TTLS.value
        try:
            return presets[ttl]
        except KeyError:
            known = ", ".join(sorted(presets))
            raise ValueError(f"unknown cache TTL preset {ttl!r} (known: {known})") from None
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl > 0:
        raise ValueError(f"cache ttl {ttl!r} is not a number of seconds > 0 or a preset name")
    return float(ttl)


def jittered_ms(seconds: float, *, uniform: Callable[[], float] = random.random) -> int:
    """Return ``seconds`` in ms shortened by a random fraction up to ``CACHE_TTL_JITTER``.

    Bound: ``seconds * (1 - CACHE_TTL_JITTER) <= result / 1000 <= seconds``, never below 1 ms.
    """
    jitter = CACHE_TTL_JITTER.value
    return max(1, int(seconds * 1000 * (1.0 - jitter * uniform())))
