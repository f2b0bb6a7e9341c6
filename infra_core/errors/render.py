"""Turn an exception or an error status into the one response shape (JSON, or HTML for browsers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.html import escape

from infra_core.errors.conf import ERRORS_API_PREFIXES, ERRORS_HTML_FOR_BROWSERS
from infra_core.errors.envelope import error_response
from infra_core.errors.exceptions import AppError

GENERIC_500 = "Internal server error."
# JSON first: "*/*" (curl, fetch, most clients) or a tie gets the envelope.
_OFFERED = ("application/json", "application/problem+json", "text/html", "application/xhtml+xml")
_HTML_TYPES = frozenset(_OFFERED[2:])


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """What a client is told about one error."""

    status: int
    code: str
    message: str
    details: Mapping[str, Any] | list[Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


def wants_html(request: HttpRequest) -> bool:
    """Return True if a browser asked for HTML and the project wants HTML error pages."""
    if not ERRORS_HTML_FOR_BROWSERS.value:
        return False
    if request.path.startswith(ERRORS_API_PREFIXES.value):
        return False
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return False
    return prefers_html(request)


def prefers_html(request: HttpRequest) -> bool:
    """Return True if the Accept header ranks an HTML type above JSON (q-values honoured)."""
    if not request.headers.get("Accept", "").strip():
        return False  # no preference: APIs and tools get JSON
    return request.get_preferred_type(_OFFERED) in _HTML_TYPES


def _validation_details(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def spec_for(exc: BaseException) -> ErrorSpec:
    """Map an exception to what the client may see; unknown exceptions are a generic 500."""
    if isinstance(exc, AppError):
        if not exc.operational:  # a bug: nothing it carries is known to be client-safe
            return ErrorSpec(exc.status, exc.code, GENERIC_500)
        return ErrorSpec(exc.status, exc.code, exc.message, exc.details, exc.headers)
    if isinstance(exc, Http404):
        return ErrorSpec(404, "not_found", "The requested resource was not found.")
    if isinstance(exc, PermissionDenied):
        return ErrorSpec(
            403, "permission_denied", "You do not have permission to perform this action."
        )
    if isinstance(exc, RequestDataTooBig):
        return ErrorSpec(413, "payload_too_large", "The request body is too large.")
    if isinstance(exc, SuspiciousOperation | BadRequest):
        # The message of a SuspiciousOperation names hosts/headers we refused: never echo it.
        return ErrorSpec(400, "bad_request", "The request is malformed.")
    if isinstance(exc, DjangoValidationError):
        return ErrorSpec(
            400, "validation_error", "The request data is invalid.", _validation_details(exc)
        )
    return ErrorSpec(500, "internal_error", GENERIC_500)


def _html(request: HttpRequest, spec: ErrorSpec, exc: BaseException | None) -> HttpResponse:
    from django.views import defaults

    if not isinstance(exc, Exception):
        exc = None
    if spec.status == 404:
        return defaults.page_not_found(request, exc or Http404())
    if spec.status == 403:
        return defaults.permission_denied(request, exc or PermissionDenied())
    if spec.status == 400:
        return defaults.bad_request(request, exc or BadRequest())
    if spec.status >= 500:
        return defaults.server_error(request)
    try:
        phrase = HTTPStatus(spec.status).phrase
    except ValueError:
        phrase = "Error"
    body = f"<!doctype html><title>{spec.status} {phrase}</title><h1>{escape(spec.message)}</h1>"
    return HttpResponse(body, status=spec.status)


def render_spec(
    request: HttpRequest,
    spec: ErrorSpec,
    exc: BaseException | None = None,
    *,
    allow_html: bool = True,
) -> HttpResponseBase:
    """Return the error response for ``spec``: HTML for browsers (if enabled), else JSON."""
    if allow_html and wants_html(request):
        response: HttpResponseBase = _html(request, spec, exc)
        for name, value in spec.headers.items():
            response[name] = value
        return response
    return error_response(
        request,
        status=spec.status,
        code=spec.code,
        message=spec.message,
        details=spec.details,
        headers=spec.headers,
    )


def render_exception(request: HttpRequest, exc: BaseException) -> HttpResponseBase:
    """Return the error response for an exception."""
    return render_spec(request, spec_for(exc), exc)
