"""Signal receivers of the logging concern: failed logins become security events."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from infra_core.logging.security import log_security_event

#: Usernames are client input (a mistyped password, a probe): logged up to Django's max length.
MAX_USERNAME = 150


def _username(credentials: dict[str, Any]) -> str | None:
    from django.contrib.auth import get_user_model

    try:
        field = get_user_model().USERNAME_FIELD
    except Exception:  # a swappable user model that does not load: fall back to the default
        field = "username"
    value = credentials.get(field, credentials.get("username"))
    return None if value is None else str(value)[:MAX_USERNAME]


def on_login_failed(
    sender: Any,
    credentials: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    """Log a ``login_failed`` security event (Django's ``user_login_failed`` signal)."""
    # Django has already masked the password in ``credentials``; only the username is kept.
    log_security_event(
        "login_failed", request=request, username=_username(dict(credentials or {}))
    )


def connect() -> None:
    """Connect the failed-login receiver (once, whatever calls it)."""
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.connect(on_login_failed, dispatch_uid="infra_core.logging.login_failed")
