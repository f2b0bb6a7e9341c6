"""ErrorMiddleware: render view exceptions, 405s and DEBUG unknown routes as the envelope."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.utils.log import log_response

from infra_core.errors.exceptions import AppError
from infra_core.errors.render import ErrorSpec, render_spec, spec_for, wants_html
from infra_core.middleware_base import HybridMiddleware


def _report(request: HttpRequest, response: HttpResponseBase, exc: BaseException) -> None:
    # Django only logs and signals exceptions that escape all middleware; we answer them here,
    # so do what its handler does: Sentry and the test client listen on this signal.
    server_error = response.status_code >= 500
    if server_error:
        got_request_exception.send(sender=None, request=request)
    log_response(
        "%s: %s",
        response.reason_phrase,
        request.path,
        response=response,  # type: ignore[arg-type]  # any response works; stubs say HttpResponse
        request=request,
        # A traceback for a 4xx is noise (and costs ~100 µs to format); 5xx keep theirs.
        exception=exc if server_error else None,
    )


def _convert(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if response.status_code == 404 and request.resolver_match is None:
        return _debug_unknown_route(request, response)
    if not isinstance(response, HttpResponseNotAllowed) or wants_html(request):
        return response
    allowed = response["Allow"]
    # The method is client input: name the allowed ones instead of echoing it.
    spec = ErrorSpec(
        405,
        "method_not_allowed",
        "This method is not allowed here.",
        {"allowed": [m.strip() for m in allowed.split(",") if m.strip()]},
        {"Allow": allowed},
    )
    return render_spec(request, spec)


def _debug_unknown_route(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    # No view was resolved: Django answered a Resolver404. In DEBUG it renders its technical 404
    # page itself, never handler404; browsers keep that page, API clients get the envelope.
    if not settings.DEBUG or wants_html(request):
        return response
    return render_spec(request, spec_for(Http404()))


class ErrorMiddleware(HybridMiddleware):
    """Answer exceptions from views as the envelope; list it last in MIDDLEWARE."""

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        return _convert(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        return _convert(request, await get_response(request))

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        """Return the error response for ``exception`` (None in DEBUG for unexpected ones)."""
        spec = spec_for(exception)
        if settings.DEBUG and spec.status >= 500 and not isinstance(exception, AppError):
            return None  # Django's technical 500 page is what a developer wants
        response = render_spec(request, spec, exception)
        if sys.exc_info()[1] is exception:
            _report(request, response, exception)
        else:  # called outside the except block (async adapters): still log it
            _report_outside(request, response, exception)
        return response


def _report_outside(request: HttpRequest, response: HttpResponseBase, exc: BaseException) -> None:
    try:
        raise exc
    except BaseException:
        _report(request, response, exc)
