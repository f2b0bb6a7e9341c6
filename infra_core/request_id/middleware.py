"""RequestIDMiddleware: accept or generate the request id, bind the context, echo the header."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from infra_core import context
from infra_core.middleware_base import HybridMiddleware
from infra_core.request_id.conf import REQUEST_ID_HEADER, REQUEST_ID_TRUST_INCOMING
from infra_core.request_id.ids import MAX_LENGTH, is_valid_request_id, meta_key

# Reset to None for every request (a worker thread serves many). Typed as Any: the variables
# hold different types, and each token goes back to the variable that made it.
_VARS: tuple[ContextVar[Any], ...] = (
    context.user_id_var,
    context.user_loader_var,
    context.plan_var,
    context.task_id_var,
    context.route_var,
)


def _incoming_or_new(request: HttpRequest, header: str) -> str:
    if REQUEST_ID_TRUST_INCOMING.value:
        value = request.META.get(meta_key(header))
        if value and is_valid_request_id(value):
            return str(value)
        if value:  # counted, never logged: the value itself may be the attack
            _rejected("too_long" if len(value) > MAX_LENGTH else "invalid")
    return context.new_request_id()


def _rejected(reason: str) -> None:
    from infra_core.metrics.definitions import REQUEST_IDS_REJECTED
    from infra_core.observe import inc

    inc(REQUEST_IDS_REJECTED, reason=reason)


def _echo(response: HttpResponseBase, header: str, rid: str) -> None:
    response[header] = rid
    exposed = response.get("Access-Control-Expose-Headers")
    if not exposed:
        response["Access-Control-Expose-Headers"] = header
    elif header.lower() not in (h.strip().lower() for h in exposed.split(",")):
        response["Access-Control-Expose-Headers"] = f"{exposed}, {header}"


class RequestIDMiddleware(HybridMiddleware):
    """Bind a request id (and a clean context) for the request; list it first in MIDDLEWARE."""

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        header = REQUEST_ID_HEADER.value
        rid = _incoming_or_new(request, header)
        request.request_id = rid  # type: ignore[attr-defined]
        token = context.request_id_var.set(rid)
        tokens = [(var, var.set(None)) for var in _VARS]
        try:
            response: HttpResponseBase = self.get_response(request)
            _echo(response, header, rid)
            return response
        finally:
            for var, tok in tokens:
                var.reset(tok)
            context.request_id_var.reset(token)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        header = REQUEST_ID_HEADER.value
        rid = _incoming_or_new(request, header)
        request.request_id = rid  # type: ignore[attr-defined]
        token = context.request_id_var.set(rid)
        tokens = [(var, var.set(None)) for var in _VARS]
        try:
            get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
            response = await get_response(request)
            _echo(response, header, rid)
            return response
        finally:
            for var, tok in tokens:
                var.reset(tok)
            context.request_id_var.reset(token)
