"""The one reader of bearer tokens presented by callers (health detail, /metrics)."""

from __future__ import annotations

import hmac

from django.http import HttpRequest


def bearer_token(request: HttpRequest) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header, or None.

    The scheme is matched case-insensitively (RFC 9110 section 11.1).
    """
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_matches(given: str, expected: str) -> bool:
    """Compare a presented token with the configured one in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
