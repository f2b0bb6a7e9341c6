"""System checks for rate limiting and the shared Redis helper: infra_core.E2xx / W2xx."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core import checks
from django.urls import get_resolver
from django.utils.module_loading import import_string

from infra_core.ratelimit import decorators, keys
from infra_core.ratelimit.conf import (
    RATELIMIT_ALGORITHM,
    RATELIMIT_CACHE,
    RATELIMIT_DEFAULT_PLAN,
    RATELIMIT_DEFAULT_RULE,
    RATELIMIT_PLAN_RESOLVER,
    RATELIMIT_RATES,
    RATELIMIT_RULES,
    RATELIMIT_SCOPE_ALGORITHM,
    RATELIMIT_SCOPE_LEASE,
)
from infra_core.ratelimit.engine import ALGORITHM_HINT, parse_algorithm
from infra_core.ratelimit.plans import validate_rates
from infra_core.ratelimit.rates import HINT as RATE_HINT
from infra_core.ratelimit.rates import parse_rate
from infra_core.redis import is_redis_cache

# The sliding log stores one entry per admitted request: above this, memory per key is large.
LARGE_LIMIT = 10_000


def _rates() -> list[checks.CheckMessage]:
    if RATELIMIT_DEFAULT_PLAN.problem() is not None:
        return []  # E201, from the settings table
    default_plan = RATELIMIT_DEFAULT_PLAN.value
    rates = RATELIMIT_RATES.raw()
    messages: list[checks.CheckMessage] = [
        checks.Error(problem, hint=RATE_HINT, id="infra_core.E202")
        for problem in validate_rates(rates, default_plan)
    ]
    if messages or not isinstance(rates, Mapping):
        return messages
    for scope, entry in rates.items():
        if _algorithm_of(scope) == "counter":
            continue  # two counters per key, whatever the limit
        values = entry.values() if isinstance(entry, Mapping) else [entry]
        for value in values:
            rate = parse_rate(value)
            if rate is not None and rate.limit > LARGE_LIMIT:
                messages.append(
                    checks.Warning(
                        f"RATELIMIT_RATES[{scope!r}] allows {rate.limit} requests per window; "
                        "the sliding log keeps one entry per admitted request per key.",
                        hint="Use a shorter window with a proportional count, e.g. 1000/6s "
                        'instead of 10000/m, or RATELIMIT_SCOPE_ALGORITHM = {scope: "counter"}.',
                        id="infra_core.W203",
                    )
                )
    return messages


def _algorithm_of(scope: str) -> object:
    overrides = RATELIMIT_SCOPE_ALGORITHM.raw()
    if isinstance(overrides, Mapping) and scope in overrides:
        return overrides[scope]
    return RATELIMIT_ALGORITHM.raw()


def _algorithm_error(name: str, problem: str) -> checks.CheckMessage:
    return checks.Error(f"INFRA_CORE{name}: {problem}.", hint=ALGORITHM_HINT, id="infra_core.E214")


def _algorithms() -> list[checks.CheckMessage]:
    named: list[tuple[str, object]] = [("['RATELIMIT_ALGORITHM']", RATELIMIT_ALGORITHM.raw())]
    overrides = RATELIMIT_SCOPE_ALGORITHM.raw()
    if not isinstance(overrides, Mapping):
        problem = f"{overrides!r} is not a dict of scope -> algorithm"
        return [*_algorithms_of(named), _algorithm_error("['RATELIMIT_SCOPE_ALGORITHM']", problem)]
    named += [(f"['RATELIMIT_SCOPE_ALGORITHM'][{s!r}]", v) for s, v in overrides.items()]
    return _algorithms_of(named)


def _algorithms_of(named: list[tuple[str, object]]) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for name, value in named:
        try:
            parse_algorithm(value)  # the parser the runtime uses
        except ValueError as exc:
            messages.append(_algorithm_error(name, str(exc)))
    return messages


def _leases() -> list[checks.CheckMessage]:
    # The value itself is E215 from the settings table; here: a lease the scope cannot use.
    if RATELIMIT_SCOPE_LEASE.problem() is not None:
        return []
    return [
        checks.Error(
            f"INFRA_CORE['RATELIMIT_SCOPE_LEASE'][{scope!r}]: scope {scope!r} uses the "
            '"counter" algorithm; leases are taken from the sliding log only.',
            hint=f'Remove {scope!r} from RATELIMIT_SCOPE_LEASE or use the "log" algorithm.',
            id="infra_core.E215",
        )
        for scope in RATELIMIT_SCOPE_LEASE.value
        if _algorithm_of(scope) == "counter"
    ]


def _cache() -> list[checks.CheckMessage]:
    if RATELIMIT_CACHE.problem() is not None:
        return []  # E204, from the settings table
    alias = RATELIMIT_CACHE.value
    if not is_redis_cache(alias) and _in_use():
        return [
            checks.Warning(
                f"CACHES[{alias!r}] is not django-redis: rate limits are counted per process, "
                "so N processes admit up to N times the limit.",
                hint='Point RATELIMIT_CACHE at a "django_redis.cache.RedisCache" alias.',
                id="infra_core.W205",
            )
        ]
    return []


def _import_views() -> None:
    """Import the URLconf so that every ``@rate_limit`` view has declared its scope.

    Django keeps its registered checks in a set, so the URL check (which imports the views) may
    run before or after this one; without the import W205 and E212 would depend on that order.
    A URLconf that does not import is Django's own urls.E00x error, not ours.
    """
    if not getattr(settings, "ROOT_URLCONF", None):
        return
    try:
        get_resolver().url_patterns  # noqa: B018 - the property imports the URLconf
    except Exception:  # reported by Django's check_url_config
        return


def _in_use() -> bool:
    """True when something limits requests: middleware, rules, decorators or the DRF throttle."""
    names = [str(m).rsplit(".", 1)[-1] for m in getattr(settings, "MIDDLEWARE", [])]
    drf = getattr(settings, "REST_FRAMEWORK", {}) or {}
    throttles = [str(t) for t in drf.get("DEFAULT_THROTTLE_CLASSES", [])]
    return (
        "RateLimitMiddleware" in names
        or bool(RATELIMIT_RULES.raw())
        or bool(decorators.DECLARED)
        or any(t.startswith("infra_core.") for t in throttles)
    )


def _declared_scopes() -> list[checks.CheckMessage]:
    rates = RATELIMIT_RATES.raw()
    if not isinstance(rates, Mapping):
        return []  # E202 already reports it
    return [
        checks.Error(
            f"@rate_limit({scope!r}) on {view} has no rate= and RATELIMIT_RATES has no {scope!r}: "
            "every request to that view would fail.",
            hint=f"Add INFRA_CORE['RATELIMIT_RATES'][{scope!r}] = \"100/m\" (or pass rate=).",
            obj=view,
            id="infra_core.E212",
        )
        for scope, view in sorted(decorators.DECLARED.items())
        if scope not in rates
    ]


def _resolver() -> list[checks.CheckMessage]:
    path = RATELIMIT_PLAN_RESOLVER.raw()
    if path is None:
        return []
    try:
        resolver = import_string(str(path))
    except ImportError as exc:
        resolver, problem = None, f"does not import ({exc})"
    else:
        problem = "is not callable"
    if resolver is not None and callable(resolver):
        return []
    return [
        checks.Error(
            f"INFRA_CORE['RATELIMIT_PLAN_RESOLVER'] = {path!r} {problem}.",
            hint="Use the dotted path of a callable request -> plan name or None.",
            id="infra_core.E206",
        )
    ]


def _rule_problem(rule: Any) -> str | None:
    if not isinstance(rule, Mapping):
        return "is not a dict"
    if not isinstance(rule.get("scope"), str) or not rule["scope"]:
        return "has no scope"
    rates = RATELIMIT_RATES.raw()
    if isinstance(rates, Mapping) and rule["scope"] not in rates:
        return f"uses scope {rule['scope']!r}, which RATELIMIT_RATES does not define"
    try:
        keys.key_func(str(rule.get("key", "user_or_ip")))
    except ValueError as exc:
        return f"has a bad key: {exc}. {keys.HINT}"
    return None


def _rules() -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    rules = RATELIMIT_RULES.raw()
    if not isinstance(rules, list | tuple):
        rules = [rules]
    for index, rule in enumerate(rules):
        problem = _rule_problem(rule)
        if problem is None and "path" not in rule and "url_name" not in rule:
            problem = 'matches nothing (give "path" or "url_name")'
        if problem:
            messages.append(
                checks.Error(
                    f"INFRA_CORE['RATELIMIT_RULES'][{index}] = {rule!r} {problem}.",
                    hint='e.g. {"path": "/api/", "scope": "api", "key": "user_or_ip"}.',
                    id="infra_core.E207",
                )
            )
    default = RATELIMIT_DEFAULT_RULE.raw()
    if default is not None and (problem := _rule_problem(default)):
        messages.append(
            checks.Error(
                f"INFRA_CORE['RATELIMIT_DEFAULT_RULE'] = {default!r} {problem}.",
                hint='e.g. {"scope": "api", "key": "ip"}, or None.',
                id="infra_core.E207",
            )
        )
    return messages


def _middleware_order() -> list[checks.CheckMessage]:
    order = [str(m) for m in getattr(settings, "MIDDLEWARE", [])]
    names = [m.rsplit(".", 1)[-1] for m in order]
    if "RateLimitMiddleware" not in names:
        return []
    ours = names.index("RateLimitMiddleware")
    before = [n for n in ("RequestIDMiddleware", "AuthenticationMiddleware") if n in names]
    late = [n for n in before if names.index(n) > ours]
    if not late:
        return []
    return [
        checks.Warning(
            f"RateLimitMiddleware comes before {', '.join(late)} in MIDDLEWARE: user keys and "
            "plans cannot see the user, and 429s carry no request id.",
            hint="Place it after AuthenticationMiddleware (see docs/ratelimit.md).",
            id="infra_core.W211",
        )
    ]


def check_ratelimit(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """Rates parse, the cache alias fits, resolver and keys import, middleware order is right."""
    _import_views()
    return [
        *_rates(),
        *_cache(),
        *_algorithms(),
        *_leases(),
        *_resolver(),
        *_rules(),
        *_declared_scopes(),
        *_middleware_order(),
    ]
