"""A Django REST framework exception handler that answers the one error envelope.

``REST_FRAMEWORK = {"EXCEPTION_HANDLER": "infra_core.errors.drf.exception_handler"}``
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from rest_framework import exceptions
from rest_framework.views import set_rollback

from infra_core.errors.exceptions import AppError
from infra_core.errors.render import ErrorSpec, render_spec, spec_for

# DRF's default codes renamed to ours where the meaning is the same (docs/errors.md lists both).
_CODES = {
    "invalid": "validation_error",
    "parse_error": "bad_request",
    "not_authenticated": "authentication_required",
    "throttled": "rate_limited",
}


def _spec(exc: exceptions.APIException, context: dict[str, Any]) -> ErrorSpec:
    headers: dict[str, str] = {}
    status = exc.status_code
    code = _CODES.get(exc.default_code, exc.default_code)
    if isinstance(exc, exceptions.ValidationError):
        return ErrorSpec(400, "validation_error", "The request data is invalid.", exc.detail)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        view = context.get("view")
        request = context.get("request")
        auth_header = view.get_authenticate_header(request) if view and request else None
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        else:  # DRF's rule: no authenticate header, so the answer is 403, not 401
            status = 403
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(int(wait))
    message = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
    return ErrorSpec(status, code, str(message), {}, headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponseBase | None:
    """Return the envelope for DRF, Django and AppError exceptions; None lets others propagate."""
    request = context.get("request")
    django_request = getattr(request, "_request", request)
    if not isinstance(django_request, HttpRequest):
        return None
    if isinstance(exc, exceptions.APIException):
        spec = _spec(exc, context)
    elif isinstance(exc, AppError | Http404 | PermissionDenied):
        spec = spec_for(exc)
    else:
        return None  # ErrorMiddleware (or Django's handler500) answers and reports it
    if spec.status >= 500:
        return None  # propagate so ErrorMiddleware reports it (Sentry, django.request log)
    set_rollback()
    return render_spec(django_request, spec, exc, allow_html=False)
