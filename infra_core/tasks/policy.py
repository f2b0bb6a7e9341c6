"""Declarative retry policy: which exceptions retry, how long to wait, when to stop."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """Describe retries: exception types, exponential backoff with bounded jitter, a cap."""

    retry_on: tuple[type[BaseException], ...] = field(default=(Exception,))
    max_retries: int = 3
    base_delay: float = 1.0
    max_delay: float = 600.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries={self.max_retries!r} must be >= 0")
        if self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError(
                f"base_delay={self.base_delay!r}, max_delay={self.max_delay!r}: "
                "need 0 <= base_delay <= max_delay"
            )
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter={self.jitter!r} must be a fraction between 0 and 1")

    def should_retry(self, exc: BaseException, retries: int) -> bool:
        """Return whether a failure on attempt `retries` (0-based) gets another try."""
        return retries < self.max_retries and isinstance(exc, self.retry_on)

    def delay(self, retries: int, *, rng: random.Random | None = None) -> float:
        """Return seconds to wait before retry number `retries` (0-based)."""
        raw = min(self.max_delay, self.base_delay * 2.0**retries)
        # Jitter only shrinks the wait, so max_delay stays a hard bound.
        spread = raw * self.jitter * (rng or random.Random()).random()
        return raw - spread
