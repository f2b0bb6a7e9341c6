"""Rate limiting: sliding window on Redis, plan tiers, standard headers, explicit outage policy."""

from __future__ import annotations

from typing import Any

from infra_core.ratelimit.decorators import rate_limit
from infra_core.ratelimit.engine import Decision
from infra_core.ratelimit.rates import Rate, parse_rate

__all__ = ["Decision", "Rate", "RateLimitThrottle", "parse_rate", "rate_limit"]


def __getattr__(name: str) -> Any:
    # The DRF throttle imports rest_framework: only load it for projects that ask for it.
    if name == "RateLimitThrottle":
        from infra_core.ratelimit.drf import RateLimitThrottle

        return RateLimitThrottle
    raise AttributeError(f"module 'infra_core.ratelimit' has no attribute {name!r}")
