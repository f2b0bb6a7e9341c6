"""AccessLogMiddleware: one structured line per request, level by status, slow flag."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from infra_core import context
from infra_core.logging.conf import ACCESS_LOG_SKIP_PATHS, ACCESS_LOG_SLOW_MS
from infra_core.middleware_base import HybridMiddleware
from infra_core.net import client_ip

access_logger = logging.getLogger("infra_core.access")

UNRESOLVED_ROUTE = "<unresolved>"


def route_name(request: HttpRequest) -> str:
    """Return a bounded route label: the URL name, else the route pattern, else ``<unresolved>``."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNRESOLVED_ROUTE
    return match.view_name or match.route or UNRESOLVED_ROUTE


def _user_id(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.pk)
    return None


class AccessLogMiddleware(HybridMiddleware):
    """Log method, route, status, duration, client ip and user; list it after auth middleware."""

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        start = time.perf_counter()
        response: HttpResponseBase | None = None
        try:
            response = self.get_response(request)
            return response
        finally:
            self._log(request, response, start)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        start = time.perf_counter()
        response: HttpResponseBase | None = None
        try:
            get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
            response = await get_response(request)
            return response
        finally:
            self._log(request, response, start)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> None:
        """Bind route and user into the context before the view runs, so its logs carry them."""
        context.route_var.set(route_name(request))
        if "user" in request.__dict__ or hasattr(request, "user"):
            uid = _user_id(request)
            if uid is not None:
                context.user_id_var.set(uid)

    def _log(self, request: HttpRequest, response: HttpResponseBase | None, start: float) -> None:
        try:
            path = request.path
            if path.startswith(ACCESS_LOG_SKIP_PATHS.value):
                return
            duration_ms = (time.perf_counter() - start) * 1000.0
            status = response.status_code if response is not None else 500
            slow = duration_ms >= ACCESS_LOG_SLOW_MS.value
            if status >= 500:
                level = logging.ERROR
            elif status >= 400 or slow:
                level = logging.WARNING
            else:
                level = logging.INFO
            if not access_logger.isEnabledFor(level):
                return
            route = route_name(request)
            access_logger.log(
                level,
                "%s %s %s %.1fms",
                request.method,
                route,
                status,
                duration_ms,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(duration_ms, 3),
                    "client_ip": client_ip(request),
                    "user_id": _user_id(request),
                    "slow": slow,
                },
            )
        except Exception:  # observers never break the observed
            logging.getLogger(__name__).exception("access log failed")
