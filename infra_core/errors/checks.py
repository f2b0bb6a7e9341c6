"""Checks for the error envelope (8xx)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.checks import not_a_bool
from infra_core.conf import DEFAULTS, user_settings

MIDDLEWARE_PATH = "infra_core.middleware.ErrorMiddleware"
FORMATS = ("envelope", "problem")


def _conf(key: str) -> Any:
    return user_settings().get(key, DEFAULTS[key])


def _values() -> list[Any]:
    messages: list[Any] = []
    fmt = _conf("ERRORS_FORMAT")
    if fmt not in FORMATS:
        messages.append(
            checks.Error(
                f"INFRA_CORE['ERRORS_FORMAT'] = {fmt!r} is not a known format.",
                hint=f"Use one of {list(FORMATS)}.",
                id="infra_core.E801",
            )
        )
    messages += not_a_bool(
        "ERRORS_HTML_FOR_BROWSERS",
        _conf("ERRORS_HTML_FOR_BROWSERS"),
        "infra_core.E802",
        hint="Use True (browsers get HTML error pages) or False (always JSON).",
    )
    prefixes = _conf("ERRORS_API_PREFIXES")
    if not isinstance(prefixes, list | tuple) or not all(
        isinstance(p, str) and p.startswith("/") for p in prefixes
    ):
        messages.append(
            checks.Error(
                f"INFRA_CORE['ERRORS_API_PREFIXES'] = {prefixes!r} is not a list of paths.",
                hint='Use path prefixes starting with "/", e.g. ["/api/"].',
                id="infra_core.E803",
            )
        )
    return messages


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
    """Error settings parse; the middleware is last and the error handlers are installed."""
    return [*_values(), *_placement()]
