"""Checks for logging and the access log (1xx)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.conf import DEFAULTS, user_settings

ACCESS_MW = "infra_core.middleware.AccessLogMiddleware"
AUTH_MW = "django.contrib.auth.middleware.AuthenticationMiddleware"


def _str_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def check_logging(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """Access-log settings have the right types; the access log comes after authentication."""
    messages: list[Any] = []
    conf = user_settings()
    slow = conf.get("ACCESS_LOG_SLOW_MS", DEFAULTS["ACCESS_LOG_SLOW_MS"])
    if isinstance(slow, bool) or not isinstance(slow, int | float) or slow <= 0:
        messages.append(
            checks.Error(
                f"INFRA_CORE['ACCESS_LOG_SLOW_MS'] = {slow!r} is not a positive number.",
                hint="Give the slow-request threshold in milliseconds, e.g. 1000.",
                id="infra_core.E103",
            )
        )
    for key in ("ACCESS_LOG_SKIP_PATHS", "LOG_REDACT_KEYS"):
        value = conf.get(key, DEFAULTS[key])
        if not _str_list(value):
            messages.append(
                checks.Error(
                    f"INFRA_CORE[{key!r}] = {value!r} is not a list of strings.",
                    hint='Use a list, e.g. ["/health/"] or ["ssn", "iban"].',
                    id="infra_core.E104",
                )
            )
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    if (
        ACCESS_MW in middleware
        and AUTH_MW in middleware
        and middleware.index(ACCESS_MW) < middleware.index(AUTH_MW)
    ):
        messages.append(
            checks.Warning(
                f"{ACCESS_MW} comes before {AUTH_MW}: access-log lines carry no user id.",
                hint="Move AccessLogMiddleware after AuthenticationMiddleware.",
                id="infra_core.W102",
            )
        )
    return messages
