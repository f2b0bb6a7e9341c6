"""``@rate_limit(scope=..., key=..., rate=...)`` for sync and async views."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase

from infra_core.ratelimit.decision import UNSET, decide
from infra_core.ratelimit.engine import Decision
from infra_core.ratelimit.headers import apply_headers, blocked_response
from infra_core.ratelimit.nowait import LATER, decide_now

V = TypeVar("V", bound=Callable[..., Any])

#: scope -> dotted view name of every ``@rate_limit`` that reads its rate from RATELIMIT_RATES.
#: Filled at import time, so ``manage.py check`` (which imports the URLconf first) can name a
#: decorated view whose scope RATELIMIT_RATES lacks (infra_core.E212) before a request 500s.
DECLARED: dict[str, str] = {}


def _limited(decision: Decision | None) -> bool:
    return decision is not None and not decision.allowed


def rate_limit(
    scope: str,
    *,
    key: str = "user_or_ip",
    rate: Any = UNSET,
    methods: Collection[str] | None = None,
    block: bool = True,
) -> Callable[[V], V]:
    """Limit a view: ``rate`` overrides RATELIMIT_RATES[scope]; ``block=False`` only annotates.

    With ``block=False`` the view runs and ``request.limited`` says whether it was over the limit.
    """
    wanted = {m.upper() for m in methods} if methods is not None else None

    def check(request: HttpRequest) -> Decision | None:
        if wanted is not None and request.method not in wanted:
            return None
        return decide(request, scope, key, rate)

    def check_now(request: HttpRequest) -> Decision | Any | None:
        if wanted is not None and request.method not in wanted:
            return None
        return decide_now(request, scope, key, rate)

    def decorator(view: V) -> V:
        if rate is UNSET:
            DECLARED.setdefault(scope, f"{view.__module__}.{view.__qualname__}")
        if iscoroutinefunction(view):

            async def _run(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                # A decision that needs I/O (Redis, maybe request.user from the DB) runs off the
                # event loop, in the thread Django's sync code uses; one from leased permits in
                # hand is made here, without the thread hand-off.
                decision = check_now(request)
                if decision is LATER:
                    decision = await sync_to_async(check)(request)
                if decision is not None and not decision.allowed and block:
                    return blocked_response(request, decision)
                request.limited = _limited(decision)  # type: ignore[attr-defined]
                response = await view(request, *args, **kwargs)
                if decision is not None:
                    apply_headers(response, decision)
                return response

            return cast(V, functools.wraps(view)(_run))

        @functools.wraps(view)
        def sync_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            decision = check(request)
            if decision is not None and not decision.allowed and block:
                return blocked_response(request, decision)
            request.limited = _limited(decision)  # type: ignore[attr-defined]
            response: HttpResponseBase = view(request, *args, **kwargs)
            if decision is not None:
                apply_headers(response, decision)
            return response

        return cast(V, sync_wrapper)

    return decorator
