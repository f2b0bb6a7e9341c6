"""Plan tiers: which plan a request is on, and the rate of a scope for that plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import import_string

from infra_core import context
from infra_core.ratelimit.conf import RATELIMIT_DEFAULT_PLAN, RATELIMIT_PLAN_RESOLVER
from infra_core.ratelimit.rates import Rate, parse_rate

PlanResolver = Callable[[HttpRequest], "str | None"]


def default_plan_resolver(request: HttpRequest) -> str | None:
    """Return ``request.user.plan`` if it is a string, else the plan bound in the context."""
    user = getattr(request, "user", None)
    plan = getattr(user, "plan", None) if user is not None else None
    if isinstance(plan, str) and plan:
        return plan
    return context.get_plan()


def get_resolver() -> PlanResolver:
    """Return the configured plan resolver (imported on first use)."""
    path = RATELIMIT_PLAN_RESOLVER.value
    if path is None:
        return default_plan_resolver
    return _import_resolver(path)


def _import_resolver(path: str) -> PlanResolver:
    resolver = import_string(path)
    if not callable(resolver):
        raise TypeError(f"{path!r} is not callable")
    return resolver  # type: ignore[no-any-return]


def resolve_plan(request: HttpRequest) -> str:
    """Return the plan of ``request`` (the default plan when the resolver says None)."""
    plan = get_resolver()(request)
    return str(plan) if plan else RATELIMIT_DEFAULT_PLAN.value


def rate_for(scope: str, plan: str, rates: Mapping[str, Any], default_plan: str) -> Rate | None:
    """Return the rate of ``scope`` for ``plan``; raise LookupError for an unknown scope."""
    try:
        entry = rates[scope]
    except KeyError:
        raise LookupError(f"rate-limit scope {scope!r} is not in RATELIMIT_RATES") from None
    if isinstance(entry, Mapping):
        if plan in entry:
            return parse_rate(entry[plan])
        if default_plan in entry:
            return parse_rate(entry[default_plan])
        raise LookupError(
            f"RATELIMIT_RATES[{scope!r}] names neither plan {plan!r} nor the default plan "
            f"{default_plan!r}"
        )
    return parse_rate(entry)


def validate_rates(rates: object, default_plan: str) -> list[str]:
    """Return one problem string per bad entry of RATELIMIT_RATES (the parser runtime uses)."""
    if not isinstance(rates, Mapping):
        return [f"RATELIMIT_RATES = {rates!r} is not a dict of scope -> rate or {{plan: rate}}"]
    problems: list[str] = []
    for scope, entry in rates.items():
        items = entry.items() if isinstance(entry, Mapping) else [(None, entry)]
        for plan, value in items:
            where = f"RATELIMIT_RATES[{scope!r}]" + (f"[{plan!r}]" if plan is not None else "")
            try:
                parse_rate(value)
            except ValueError as exc:
                problems.append(f"{where} = {value!r}: {exc}")
        if isinstance(entry, Mapping) and default_plan not in entry:
            problems.append(
                f"RATELIMIT_RATES[{scope!r}] has no entry for the default plan {default_plan!r}, "
                "so requests on other plans have no rate"
            )
    return problems
