"""The probe views: /live/ (no I/O), /ready/ (critical checks, drain), /health/ (all checks).

Anonymous callers get ``{"status": ...}`` only; a bearer ``HEALTH_TOKEN`` or an active staff
session gets per-check detail. Views touch no session and set no cookie; 503s use the error
envelope with the same report in ``error.details``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from infra_core.credentials import bearer_token, token_matches
from infra_core.errors.envelope import error_response
from infra_core.health.conf import HEALTH_ALLOW_STAFF, HEALTH_STATUS_CODES, HEALTH_TOKEN
from infra_core.health.drain import is_draining
from infra_core.health.reports import detail, get_report
from infra_core.health.runner import Report
from infra_core.logging.security import log_security_event

F = TypeVar("F", bound=Callable[..., Any])


def probe(view: F) -> F:
    """Mark a view as a probe: no login, no caching, GET/HEAD only, exempt from rate limits."""
    # The rate limiter exempts every view of infra_core.urls by its app name, not by a marker.
    return login_not_required(never_cache(require_safe(view)))


def is_authorized(request: HttpRequest) -> bool:
    """Return True for a caller allowed to see per-check detail."""
    from django.conf import settings

    token = HEALTH_TOKEN.value
    given = bearer_token(request)
    if token and given is not None:
        if token_matches(given, token):
            return True
        log_security_event("health_detail_denied", request=request)
        return False
    # Only a request carrying a session cookie can be staff; others never touch the session store.
    if HEALTH_ALLOW_STAFF.value and settings.SESSION_COOKIE_NAME in request.COOKIES:
        try:
            user = getattr(request, "user", None)
            return bool(user is not None and user.is_active and user.is_staff)
        except DatabaseError:
            # The session or user table is unreachable: answer as to an anonymous caller (the
            # database check reports the outage), never with a 500.
            return False
    return False


def _quiet(response: HttpResponseBase) -> HttpResponseBase:
    # Django logs every 5xx at ERROR; a probe answering 503 every few seconds per pod during an
    # outage would flood the error log. Failed checks are already logged by infra_core.health.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _respond(request: HttpRequest, report: Report, *, draining: bool = False) -> HttpResponseBase:
    status_code = HEALTH_STATUS_CODES.value[report.status.value]
    body = detail(report, draining=draining) if is_authorized(request) else {}
    body["status"] = report.status.value
    if status_code >= 400:
        return _quiet(
            error_response(
                request,
                status=status_code,
                code="health_unhealthy",
                message="A critical health check failed.",
                details=body,
            )
        )
    return JsonResponse(body, status=status_code)


@probe
def live_view(request: HttpRequest) -> HttpResponseBase:
    """Answer 200 while the process can serve a request; does no I/O."""
    return JsonResponse({"status": "alive"})


@probe
def ready_view(request: HttpRequest) -> HttpResponseBase:
    """Run the critical checks; answer 503 while draining or when one fails."""
    if is_draining():
        return _quiet(
            error_response(
                request,
                status=503,
                code="health_draining",
                message="This instance is shutting down.",
                details={"status": "draining"},
            )
        )
    return _respond(request, get_report(critical_only=True))


@probe
def health_view(request: HttpRequest) -> HttpResponseBase:
    """Run every configured check and report healthy, degraded or unhealthy."""
    return _respond(request, get_report(), draining=is_draining())
