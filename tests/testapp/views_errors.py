"""Views that raise each error kind, for the error-envelope, Sentry and metrics tests."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework import exceptions as drf
from rest_framework.authentication import BasicAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from infra_core import errors

KINDS: dict[str, Callable[[], BaseException]] = {
    "validation": lambda: errors.ValidationError(details={"email": ["Enter a valid email."]}),
    "bad_request": lambda: errors.BadRequestError(),
    "auth": lambda: errors.AuthenticationError(),
    "plan": lambda: errors.PlanLimitError(details={"limit": 3}),
    "forbidden": lambda: errors.AuthorizationError(),
    "feature": lambda: errors.FeatureNotAvailableError(),
    "not_found": lambda: errors.NotFoundError("No such invoice."),
    "conflict": lambda: errors.ConflictError(details={"version": 7}),
    "rate_limited": lambda: errors.RateLimitedError(retry_after=30),
    "external": lambda: errors.ExternalServiceError(),
    "database": lambda: errors.DatabaseUnavailableError(),
    "cache": lambda: errors.CacheUnavailableError(),
    "queue": lambda: errors.JobQueueError(),
    "storage": lambda: errors.StorageError(),
    "programming": lambda: errors.ProgrammingError("secret state", details={"sql": "secret"}),
    "http404": lambda: Http404("secret model name"),
    "permission": lambda: PermissionDenied("secret rule"),
    "suspicious": lambda: SuspiciousOperation("secret host evil.example"),
    "django_bad_request": lambda: BadRequest("secret parse detail"),
    "django_validation": lambda: DjangoValidationError({"name": ["Too short."]}),
    "key_error": lambda: KeyError("secret"),
}


def raise_kind(request: HttpRequest, kind: str) -> JsonResponse:
    raise KINDS[kind]()


async def araise_kind(request: HttpRequest, kind: str) -> JsonResponse:
    raise KINDS[kind]()


@require_GET
def only_get(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def form_post(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def too_many(request: HttpRequest) -> JsonResponse:
    return errors.error_response(request, status=429, code="rate_limited", message="Slow down.")


DRF_KINDS: dict[str, Callable[[], BaseException]] = {
    "validation": lambda: drf.ValidationError({"email": ["Enter a valid email."]}),
    "not_authenticated": lambda: drf.NotAuthenticated(),
    "permission": lambda: drf.PermissionDenied(),
    "not_found": lambda: drf.NotFound(),
    "throttled": lambda: drf.Throttled(wait=12),
    "parse": lambda: drf.ParseError(),
    "conflict": lambda: errors.ConflictError(),
    "http404": lambda: Http404("secret"),
    "key_error": lambda: KeyError("secret"),
}


class DrfRaise(APIView):
    renderer_classes = [JSONRenderer]
    authentication_classes = [BasicAuthentication]
    permission_classes: list[type] = []

    def get(self, request: Request, kind: str) -> Response:
        raise DRF_KINDS[kind]()


class ExplodingMiddleware:
    """Raises for /explode/ before any view runs (errors outside views reach handler500)."""

    def __init__(self, get_response: Callable[[HttpRequest], JsonResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> JsonResponse:
        if request.path == "/explode/":
            raise KeyError("secret")
        return self.get_response(request)


def leak_locals(request: HttpRequest) -> JsonResponse:
    # Secrets under innocent names: only include_local_variables=False keeps them out of Sentry.
    creds_json = '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIlocalsecret\\n"}'
    headers = {"X": "Bearer localbearer123"}
    raise RuntimeError(f"failed with {len(creds_json)} {len(headers)}")
