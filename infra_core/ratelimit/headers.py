"""Rate-limit response headers and the 429 answer in the error envelope."""

from __future__ import annotations

from functools import lru_cache

from django.http import HttpRequest, HttpResponseBase, JsonResponse

from infra_core.errors.envelope import error_response
from infra_core.ratelimit.engine import Decision


def _sf_string(text: str) -> str:
    # RFC 8941 sf-string: printable ASCII, with quote and backslash escaped.
    clean = "".join(c for c in text if 32 <= ord(c) < 127)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


@lru_cache(maxsize=1024)
def _policy(scope: str, limit: int, window: int) -> tuple[str, str, str]:
    # What a scope's headers repeat on every response: its quoted name, the limit as text and
    # the policy. Scopes and rates are few and fixed (settings and decorators), so cached.
    name = _sf_string(scope or "default")
    return name, str(limit), f"{name};q={limit};w={window}"


def rate_limit_headers(decision: Decision) -> dict[str, str]:
    """Return the X-RateLimit-* and IETF RateLimit / RateLimit-Policy header values."""
    name, limit, policy = _policy(decision.scope, decision.limit, decision.window)
    remaining, reset = str(decision.remaining), str(decision.reset)
    return {
        "X-RateLimit-Limit": limit,
        "X-RateLimit-Remaining": remaining,
        "X-RateLimit-Reset": reset,
        "RateLimit-Policy": policy,
        "RateLimit": f"{name};r={remaining};t={reset}",
    }


def apply_headers(response: HttpResponseBase, decision: Decision) -> None:
    """Set the rate-limit headers of ``decision`` on ``response`` unless already present."""
    if "X-RateLimit-Limit" in response:
        return
    for name, value in rate_limit_headers(decision).items():
        response[name] = value


def blocked_response(request: HttpRequest, decision: Decision) -> JsonResponse:
    """Return the 429 envelope (code ``rate_limited``) with Retry-After and the limit headers."""
    retry = decision.retry_after
    response = error_response(
        request,
        status=429,
        code="rate_limited",
        message=f"Too many requests. Retry after {retry} seconds.",
        details={
            "scope": decision.scope,
            "limit": decision.limit,
            "window": decision.window,
            "retry_after": retry,
        },
        headers={"Retry-After": str(retry)},
    )
    apply_headers(response, decision)
    return response
