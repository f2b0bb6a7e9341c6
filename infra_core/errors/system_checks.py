"""System checks for the error envelope (8xx); its settings are checked from their table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

MIDDLEWARE_PATH = "infra_core.middleware.ErrorMiddleware"


def _handlers_installed() -> bool:
    from django.urls import get_resolver

    resolver = get_resolver()
    for code in (404, 500):
        handler = resolver.resolve_error_handler(code)
        if not getattr(handler, "__module__", "").startswith("infra_core.errors"):
            return False
    return True


def _placement() -> list[Any]:
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    if MIDDLEWARE_PATH not in middleware:
        return []
    messages: list[Any] = []
    if middleware[-1] != MIDDLEWARE_PATH:
        messages.append(
            checks.Warning(
                f"{MIDDLEWARE_PATH} is at position {middleware.index(MIDDLEWARE_PATH)} of "
                f"{len(middleware)} in MIDDLEWARE; exceptions from views reach the middleware "
                "after it first.",
                hint="Move it to the end of MIDDLEWARE.",
                id="infra_core.W801",
            )
        )
    try:
        installed = _handlers_installed()
    except Exception:  # a broken URLconf is reported by Django's own checks
        return messages
    if not installed:
        messages.append(
            checks.Warning(
                "ErrorMiddleware is enabled but the root URLconf's handler404/handler500 are not "
                "infra_core's: unknown routes and middleware errors answer Django's HTML pages.",
                hint="In ROOT_URLCONF add: from infra_core.errors.views import handler400, "
                "handler403, handler404, handler500  # noqa: F401",
                id="infra_core.W802",
            )
        )
    return messages


def check_errors(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """The middleware is last and the error handlers are installed."""
    return _placement()
