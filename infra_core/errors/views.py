"""handler400/403/404/500 and the CSRF failure view, answering the one error envelope.

In the root URLconf::

    from infra_core.errors.views import handler400, handler403, handler404, handler500  # noqa

and ``CSRF_FAILURE_VIEW = "infra_core.errors.views.csrf_failure"`` in settings.
"""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from infra_core.errors.render import (
    GENERIC_500,
    ErrorSpec,
    render_exception,
    render_spec,
    wants_html,
)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    """Answer a 400 (SuspiciousOperation, BadRequest) in the envelope."""
    return render_exception(request, exception or BadRequest())


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    """Answer a 403 in the envelope."""
    return render_exception(request, exception or PermissionDenied())


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    """Answer a 404 (unknown route or Http404) in the envelope."""
    return render_exception(request, exception or Http404())


def server_error(request: HttpRequest) -> HttpResponseBase:
    """Answer a 500 in the envelope, never with exception text."""
    return render_spec(request, ErrorSpec(500, "internal_error", GENERIC_500))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseBase:
    """Answer a CSRF failure as a 403 ``csrf_failed`` (Django's page for browsers)."""
    from infra_core.logging.security import log_security_event

    # ``reason`` is one of Django's fixed REASON_* strings, never client input.
    log_security_event("csrf_failed", request=request, reason=reason)
    if wants_html(request):
        from django.views.csrf import csrf_failure as django_csrf_failure

        return django_csrf_failure(request, reason)
    spec = ErrorSpec(403, "csrf_failed", "CSRF verification failed.", {"reason": reason})
    return render_spec(request, spec)


handler400 = bad_request
handler403 = permission_denied
handler404 = page_not_found
handler500 = server_error
