"""System checks for the request id (1xx); its settings are checked from their table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

MIDDLEWARE_PATH = "infra_core.middleware.RequestIDMiddleware"


def check_request_id(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """RequestIDMiddleware comes first in MIDDLEWARE."""
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    if MIDDLEWARE_PATH in middleware and middleware.index(MIDDLEWARE_PATH) != 0:
        return [
            checks.Warning(
                f"{MIDDLEWARE_PATH} is at position {middleware.index(MIDDLEWARE_PATH)} "
                "in MIDDLEWARE; log lines from the middleware before it carry no request id.",
                hint="Move it to the top of MIDDLEWARE.",
                id="infra_core.W101",
            )
        ]
    return []
