"""A Django REST framework throttle on the same engine as the middleware and decorator.

``throttle_classes = [RateLimitThrottle]`` with ``throttle_scope = "api"`` on the view (or a
subclass setting ``scope``, ``key`` and optionally ``rate``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle

from infra_core.ratelimit.decision import UNSET, decide
from infra_core.ratelimit.engine import Decision


class RateLimitThrottle(BaseThrottle):
    """Throttle by RATELIMIT_RATES[scope] for the request's plan; sliding window on Redis."""

    scope: str | None = None
    key: str = "user_or_ip"
    rate: Any = UNSET

    def __init__(self) -> None:
        self.decision: Decision | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        """Return False when the request is over its limit (DRF then answers 429)."""
        scope = self.scope or getattr(view, "throttle_scope", None)
        if not scope:
            raise ImproperlyConfigured(
                f"{type(self).__name__} on {type(view).__name__} has no scope: set "
                "throttle_scope on the view or scope on a RateLimitThrottle subclass."
            )
        self.decision = decide(request, str(scope), self.key, self.rate)
        return self.decision is None or self.decision.allowed

    def wait(self) -> float | None:
        """Return whole seconds until a retry can succeed (>= 1), or None when not blocked."""
        if self.decision is None or self.decision.allowed:
            return None
        return float(self.decision.retry_after)
