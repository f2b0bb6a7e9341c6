"""The protected /metrics view."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from infra_core.errors.envelope import error_response
from infra_core.logging.security import log_security_event
from infra_core.metrics.authorization import Access, check_access
from infra_core.metrics.conf import METRICS_TOKEN
from infra_core.metrics.exposition import render


@login_not_required
@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponseBase:
    """Serve Prometheus metrics to a bearer token, an allowlisted IP or a staff user."""
    decision = check_access(request)
    if decision is Access.DENIED:
        log_security_event("metrics_denied", request=request)
        return error_response(
            request, status=403, code="permission_denied", message="Not allowed to read metrics."
        )
    if decision is Access.NO_CREDENTIALS:
        if METRICS_TOKEN.value:
            return error_response(
                request,
                status=401,
                code="authentication_required",
                message="A bearer token is required to read metrics.",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return error_response(
            request, status=403, code="permission_denied", message="Not allowed to read metrics."
        )
    body, content_type = render()
    return HttpResponse(body, content_type=content_type)
