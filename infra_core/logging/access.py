"""AccessLogMiddleware: one structured line per request, level by status, slow flag."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import LazyObject, SimpleLazyObject, empty

from infra_core import context
from infra_core.logging.conf import ACCESS_LOG_SKIP_PATHS, ACCESS_LOG_SLOW_MS
from infra_core.middleware_base import HybridMiddleware
from infra_core.net import client_ip

access_logger = logging.getLogger("infra_core.access")
_NAME = access_logger.name

UNRESOLVED_ROUTE = "<unresolved>"


def route_name(request: HttpRequest) -> str:
    """Return a bounded route label: the URL name, else the route pattern, else ``<unresolved>``."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNRESOLVED_ROUTE
    return match.view_name or match.route or UNRESOLVED_ROUTE


def loaded_user(request: HttpRequest) -> Any:
    """Return ``request.user`` if something already loaded it, else None; never does I/O.

    ``AuthenticationMiddleware`` sets a lazy object that reads the session and the user table
    on first use: reading it here would give every request (probes included) a database round
    trip, and a 500 while the database is down.
    """
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, LazyObject):
        wrapped = user.__dict__.get("_wrapped", empty)
        if wrapped is empty:
            # What django.contrib.auth's get_user() / auser() cached for this request.
            cached = request.__dict__.get("_cached_user")
            return cached if cached is not None else request.__dict__.get("_acached_user")
        return wrapped
    return user


def _user_id(request: HttpRequest) -> str | None:
    user = loaded_user(request)
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.pk)
    return None


def _bind_on_load(request: HttpRequest) -> None:
    # The user is not loaded yet: bind its id into the context when the view (or anything
    # else) loads it, so the view's own log lines carry it, at no I/O of ours.
    lazy = request.__dict__.get("user")
    if not isinstance(lazy, LazyObject) or lazy.__dict__.get("_wrapped", empty) is not empty:
        return

    def load() -> Any:
        if lazy._wrapped is empty:
            lazy._setup()
        user = lazy._wrapped
        if getattr(user, "is_authenticated", False):
            context.user_id_var.set(str(user.pk))
        return user

    wrapped = SimpleLazyObject(load)
    request.user = wrapped  # type: ignore[assignment]

    def loader() -> str | None:
        # For code that needs the actor (audit fields, task headers): load the user now. A
        # failure (database down, a sync query in an async view) means "unknown", never a raise.
        try:
            _ = wrapped.pk
        except Exception:
            return None
        return context.user_id_var.get()

    context.user_loader_var.set(loader)


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
        uid = _user_id(request)
        if uid is not None:
            context.user_id_var.set(uid)
        elif "user" in request.__dict__:
            _bind_on_load(request)

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
            method = request.method
            # makeRecord + handle is what Logger.log does, minus findCaller's walk up the stack
            # (~3 µs a line): the caller is always this line. Filters, handlers, propagation
            # and logger.disabled behave as for any record.
            access_logger.handle(
                access_logger.makeRecord(
                    _NAME,
                    level,
                    __file__,
                    _LINENO,
                    "%s %s %s %.1fms",
                    (method, route, status, duration_ms),
                    None,
                    "_log",
                    {
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(duration_ms, 3),
                        "client_ip": client_ip(request),
                        "user_id": _user_id(request),
                        "slow": slow,
                    },
                )
            )
        except Exception:  # observers never break the observed
            logging.getLogger(__name__).exception("access log failed")
            self._log_minimal(request, response)

    @staticmethod
    def _log_minimal(request: HttpRequest, response: HttpResponseBase | None) -> None:
        # Every response gets its line: when building the full one failed, log what is certain.
        try:
            status = response.status_code if response is not None else 500
            access_logger.log(
                logging.ERROR if status >= 500 else logging.WARNING,
                "%s %s %s",
                request.method,
                route_name(request),
                status,
                extra={"method": request.method, "route": route_name(request), "status": status},
            )
        except Exception:
            logging.getLogger(__name__).exception("access log failed twice")


# The line an access record names as its origin (``%(lineno)d``, ``%(funcName)s`` is ``_log``).
_LINENO = AccessLogMiddleware._log.__code__.co_firstlineno
