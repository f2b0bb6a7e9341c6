"""The one JSON error envelope: ``{"error": {code, message, details, request_id}}``.

Every error response infra_core produces (429s, health failures, 404/500 handlers, AppError)
goes through ``error_response`` so the shape never drifts. With ``ERRORS_FORMAT = "problem"`` the
same call answers RFC 9457 ``application/problem+json`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, JsonResponse

from infra_core import context
from infra_core.errors.conf import ERRORS_FORMAT
from infra_core.metrics.definitions import ERRORS
from infra_core.observe import observer_failed

PROBLEM_CONTENT_TYPE = "application/problem+json"


def error_body(
    code: str,
    message: str,
    details: Mapping[str, Any] | list[Any] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Return the envelope dict for an error."""
    return {
        "error": {
            "code": code,
            "message": message,
            "details": details if details is not None else {},
            "request_id": request_id if request_id is not None else context.get_request_id(),
        }
    }


def problem_body(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any] | list[Any] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Return an RFC 9457 problem details dict; ``code``, ``details``, ``request_id`` extend it."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": message,
        "code": code,
        "details": details if details is not None else {},
        "request_id": request_id if request_id is not None else context.get_request_id(),
    }


def _count(code: str) -> None:
    try:
        ERRORS.labels(code=code).inc()
    except Exception as exc:  # observers never break the observed
        observer_failed("metrics", exc)


def error_response(
    request: HttpRequest | None,
    *,
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any] | list[Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    """Return a JSON error response in the envelope, with optional extra headers."""
    rid = getattr(request, "request_id", None) if request is not None else None
    if ERRORS_FORMAT.value == "problem":
        response = JsonResponse(
            problem_body(status, code, message, details, rid),
            status=status,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    else:
        response = JsonResponse(error_body(code, message, details, rid), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    _count(code)
    return response
