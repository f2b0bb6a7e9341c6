"""Security events: one logger, one shape, one counter with a bounded label."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from infra_core import context
from infra_core.metrics.definitions import SECURITY_EVENTS
from infra_core.net import client_ip
from infra_core.observe import observer_failed

security_logger = logging.getLogger("infra_core.security")

#: The events infra_core logs; the metric counts any other name as ``other``.
KNOWN_EVENTS = frozenset(
    {
        "rate_limited",  # infra_core.ratelimit: a client over its limit
        "metrics_denied",  # /metrics: a wrong bearer token
        "health_detail_denied",  # /health/: a wrong bearer token
        "login_failed",  # django.contrib.auth's user_login_failed signal
        "csrf_failed",  # infra_core.errors.views.csrf_failure
        "dlq_action_denied",  # DLQ admin action or replay without the permission
        "disallowed_host",  # a Host header not in ALLOWED_HOSTS (django.security.DisallowedHost)
    }
)
OTHER = "other"


def event_label(event: str) -> str:
    """Return the metric label of ``event``: itself when infra_core knows it, else ``other``."""
    return event if event in KNOWN_EVENTS else OTHER


def log_security_event(
    event: str,
    *,
    request: HttpRequest | None = None,
    level: int = logging.WARNING,
    **fields: Any,
) -> None:
    """Log a security event (``event`` is a short snake_case name) with client IP and request id."""
    extra: dict[str, Any] = {"security_event": event, **fields}
    try:
        if request is not None:
            extra.setdefault("client_ip", client_ip(request))
            extra.setdefault("method", request.method)
            # The route, never the raw path: paths carry ids and tokens (password reset links).
            match = getattr(request, "resolver_match", None)
            if match is not None and (match.view_name or match.route):
                extra.setdefault("route", match.view_name or match.route)
        request_id = context.get_request_id()
        if request_id is not None:
            extra.setdefault("request_id", request_id)
        SECURITY_EVENTS.labels(event=event_label(event)).inc()
        security_logger.log(level, "security event: %s", event, extra=extra)
    except Exception as exc:  # observers never break the observed
        observer_failed("security_event", exc)
