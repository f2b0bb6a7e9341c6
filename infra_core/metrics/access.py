"""Who may scrape /metrics: a bearer token, an allowlisted client IP, or a staff user."""

from __future__ import annotations

import enum
import hmac

from django.http import HttpRequest

from infra_core.conf import app_settings
from infra_core.net import client_ip, parse_ip, parse_networks


class Access(enum.Enum):
    ALLOWED = "allowed"
    NO_CREDENTIALS = "no_credentials"  # 401 when a token could be presented, else 403
    DENIED = "denied"


def _bearer(request: HttpRequest) -> str | None:
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_matches(given: str, expected: str) -> bool:
    """Compare a presented token with the configured one in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def ip_allowed(request: HttpRequest, cidrs: tuple[str, ...]) -> bool:
    """Return True if the resolved client IP (trusted proxies honoured) is in ``cidrs``."""
    if not cidrs:
        return False
    ip = client_ip(request)
    addr = parse_ip(ip) if ip else None
    if addr is None:
        return False
    return any(addr.version == net.version and addr in net for net in parse_networks(cidrs))


def check_access(request: HttpRequest) -> Access:
    """Decide a scrape; token and IP are checked first so a scrape never loads a session."""
    expected = app_settings.metrics_token
    given = _bearer(request)
    if expected and given is not None:
        return Access.ALLOWED if token_matches(given, expected) else Access.DENIED
    if given is not None:
        return Access.DENIED  # a token was sent but none is configured: refuse, do not guess
    if ip_allowed(request, app_settings.metrics_allowed_ips):
        return Access.ALLOWED
    if app_settings.metrics_allow_staff:
        user = getattr(request, "user", None)
        if user is not None and user.is_active and user.is_staff:
            return Access.ALLOWED
    return Access.NO_CREDENTIALS
