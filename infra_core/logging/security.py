"""Security events: one logger, one shape."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from infra_core.metrics.definitions import SECURITY_EVENTS
from infra_core.net import client_ip
from infra_core.observe import observer_failed

security_logger = logging.getLogger("infra_core.security")


def log_security_event(
    event: str,
    *,
    request: HttpRequest | None = None,
    level: int = logging.WARNING,
    **fields: Any,
) -> None:
    """Log a security event (``event`` is a short snake_case name) with the client IP and path."""
    extra: dict[str, Any] = {"security_event": event, **fields}
    if request is not None:
        extra.setdefault("client_ip", client_ip(request))
        extra.setdefault("method", request.method)
    try:
        SECURITY_EVENTS.labels(event=event).inc()
        security_logger.log(level, "security event: %s", event, extra=extra)
    except Exception as exc:  # observers never break the observed
        observer_failed("security_event", exc)
