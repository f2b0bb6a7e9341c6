"""System checks for logging (1xx); its settings are checked from their table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

ACCESS_MW = "infra_core.middleware.AccessLogMiddleware"
AUTH_MW = "django.contrib.auth.middleware.AuthenticationMiddleware"


def check_logging(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """The access log comes after authentication."""
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    if (
        ACCESS_MW in middleware
        and AUTH_MW in middleware
        and middleware.index(ACCESS_MW) < middleware.index(AUTH_MW)
    ):
        return [
            checks.Warning(
                f"{ACCESS_MW} comes before {AUTH_MW}: access-log lines carry no user id.",
                hint="Move AccessLogMiddleware after AuthenticationMiddleware.",
                id="infra_core.W102",
            )
        ]
    return []
