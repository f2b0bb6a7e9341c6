"""before_send: drop client errors, tag with the request context, scrub secrets (fail closed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra_core import context
from infra_core.errors.exceptions import AppError
from infra_core.observe import observer_failed
from infra_core.sentry.scrub import scrub

Event = dict[str, Any]
Hint = dict[str, Any]

# Loggers whose ERROR records are client noise (a bad Host header is the client's fault).
DROPPED_LOGGERS = ("django.security",)


def _client_error_types() -> tuple[type[BaseException], ...]:
    from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
    from django.http import Http404

    types: list[type[BaseException]] = [Http404, PermissionDenied, SuspiciousOperation, BadRequest]
    try:
        from rest_framework.exceptions import APIException
    except ImportError:
        return tuple(types)
    return (*types, APIException)


def is_client_error(exc: BaseException) -> bool:
    """Return True for exceptions that describe a 4xx (never worth a Sentry event)."""
    if isinstance(exc, AppError):
        return exc.is_client_error
    if isinstance(exc, _client_error_types()):
        status = getattr(exc, "status_code", 400)  # DRF's APIException carries its status
        return isinstance(status, int) and status < 500
    return False


def should_drop(event: Event, hint: Hint) -> bool:
    """Return True if the event reports a client error (4xx exception, 4xx log, security log)."""
    exc_info = hint.get("exc_info")
    if exc_info and exc_info[1] is not None and is_client_error(exc_info[1]):
        return True
    logger = str(event.get("logger") or "")
    if logger.startswith(DROPPED_LOGGERS):
        return True
    status = (event.get("extra") or {}).get("status_code")
    return isinstance(status, int) and 400 <= status < 500


def _tag(event: Event) -> None:
    tags = event.setdefault("tags", {})
    snap = context.snapshot()
    for name, value in (
        ("request_id", snap.request_id),
        ("task_id", snap.task_id),
        ("plan", snap.plan),
        ("route", context.get_route()),
    ):
        if value and name not in tags:
            tags[name] = value
    if snap.user_id:  # an opaque id only; no email, no IP
        event.setdefault("user", {})["id"] = snap.user_id


def make_before_send(
    extra_keys: tuple[str, ...] = (), user_hook: Callable[[Event, Hint], Event | None] | None = None
) -> Callable[[Event, Hint], Event | None]:
    """Return a before_send that drops 4xx, tags the context, scrubs, then calls ``user_hook``."""

    def before_send(event: Event, hint: Hint) -> Event | None:
        try:
            if should_drop(event, hint):
                return None
            _tag(event)
            result: Event | None = scrub(event, extra_keys)
            if result is not None and user_hook is not None:
                result = user_hook(result, hint)
            return result
        except Exception as exc:  # a broken filter must not leak an unscrubbed event
            observer_failed("sentry", exc)
            return None

    before_send.infra_core = True  # type: ignore[attr-defined]
    return before_send
