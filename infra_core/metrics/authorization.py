"""Who may scrape /metrics: a bearer token, an allowlisted client IP, or a staff user."""

from __future__ import annotations

import enum

from django.db import DatabaseError
from django.http import HttpRequest

from infra_core.credentials import bearer_token, token_matches
from infra_core.metrics.conf import METRICS_ALLOW_STAFF, METRICS_ALLOWED_IPS, METRICS_TOKEN
from infra_core.net import IPNetwork, client_ip, parse_ip


class Access(enum.Enum):
    ALLOWED = "allowed"
    NO_CREDENTIALS = "no_credentials"  # 401 when a token could be presented, else 403
    DENIED = "denied"


def ip_allowed(request: HttpRequest, nets: tuple[IPNetwork, ...]) -> bool:
    """Return True if the resolved client IP (trusted proxies honoured) is in ``nets``."""
    if not nets:
        return False
    ip = client_ip(request)
    addr = parse_ip(ip) if ip else None
    if addr is None:
        return False
    return any(addr.version == net.version and addr in net for net in nets)


def check_access(request: HttpRequest) -> Access:
    """Decide a scrape; token and IP are checked first so a scrape never loads a session."""
    expected = METRICS_TOKEN.value
    given = bearer_token(request)
    if expected and given is not None:
        return Access.ALLOWED if token_matches(given, expected) else Access.DENIED
    if given is not None:
        return Access.DENIED  # a token was sent but none is configured: refuse, do not guess
    if ip_allowed(request, METRICS_ALLOWED_IPS.value):
        return Access.ALLOWED
    if METRICS_ALLOW_STAFF.value and _is_staff(request):
        return Access.ALLOWED
    return Access.NO_CREDENTIALS


def _is_staff(request: HttpRequest) -> bool:
    try:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_active and user.is_staff)
    except DatabaseError:
        # The session or user table is unreachable: refuse as for an anonymous caller (the
        # database health check reports the outage), never a 500.
        return False
