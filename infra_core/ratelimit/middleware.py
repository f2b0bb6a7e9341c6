"""``RateLimitMiddleware``: settings rules (path prefix or URL name -> scope and key)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from infra_core.middleware_base import HybridMiddleware
from infra_core.ratelimit.conf import (
    RATELIMIT_DEFAULT_RULE,
    RATELIMIT_ENABLED,
    RATELIMIT_EXEMPT_PATHS,
    RATELIMIT_RULES,
)
from infra_core.ratelimit.decision import REQUEST_ATTR, decide
from infra_core.ratelimit.headers import apply_headers, blocked_response

GetResponse = Callable[[HttpRequest], Any]
# Never limited: the probes and scrape endpoint of include("infra_core.urls"), wherever mounted.
EXEMPT_APP = "infra_core"


def is_exempt(request: HttpRequest) -> bool:
    """Return True for the infra_core.urls endpoints and RATELIMIT_EXEMPT_PATHS prefixes."""
    match = request.resolver_match
    if match is not None and EXEMPT_APP in match.app_names:
        return True
    path = request.path_info
    return any(path.startswith(prefix) for prefix in RATELIMIT_EXEMPT_PATHS.value)


def matching_rule(request: HttpRequest) -> dict[str, Any] | None:
    """Return the first RATELIMIT_RULES entry matching ``request``, else the default rule."""
    match = request.resolver_match
    url_name = match.view_name if match is not None else None
    path = request.path_info
    for rule in RATELIMIT_RULES.value:
        prefix = rule.get("path")
        if prefix is not None and path.startswith(prefix):
            return rule
        name = rule.get("url_name")
        if name is not None and name == url_name:
            return rule
    return RATELIMIT_DEFAULT_RULE.value


class RateLimitMiddleware(HybridMiddleware):
    """Apply RATELIMIT_RULES to every resolved view; add limit headers to limited responses."""

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        return self._finish(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)
        return self._finish(request, response)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        # Runs after URL resolution so URL-name rules and the app exemption can be used; Django
        # runs it in a thread for async stacks, so the blocking Redis call never blocks the loop.
        if not RATELIMIT_ENABLED.value or is_exempt(request):
            return None
        rule = matching_rule(request)
        if rule is None:
            return None
        decision = decide(request, str(rule["scope"]), str(rule.get("key", "user_or_ip")))
        if decision is not None and not decision.allowed:
            return blocked_response(request, decision)
        return None

    @staticmethod
    def _finish(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        decision = getattr(request, REQUEST_ATTR, None)
        if decision is not None:
            apply_headers(response, decision)
        return response
