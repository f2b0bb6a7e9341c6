"""Settings of rate limiting (2xx)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_core.conf import Setting, SettingError
from infra_core.parsers import (
    anything,
    boolean,
    cache_alias,
    mapping,
    optional,
    path_prefixes,
    string,
)


def scope_flags(value: Any) -> dict[str, bool]:
    """A dict of scope -> bool."""
    if not isinstance(value, Mapping) or not all(isinstance(v, bool) for v in value.values()):
        raise SettingError("is not a dict of scope -> bool")
    return dict(value)


RATELIMIT_RATES: Setting[dict[str, Any]] = Setting(
    "RATELIMIT_RATES",
    {},
    anything,  # validated entry by entry by plans.validate_rates (E202, system_checks)
    'Scope -> rate ("100/m", None = unlimited) or {plan: rate}. A per-plan dict falls back to '
    "the RATELIMIT_DEFAULT_PLAN entry for plans it does not name.",
)
RATELIMIT_DEFAULT_PLAN: Setting[str] = Setting(
    "RATELIMIT_DEFAULT_PLAN",
    "basic",
    string(),
    "Plan used when the resolver returns None (anonymous users, users without a plan).",
    "infra_core.E201",
    'e.g. "basic".',
)
RATELIMIT_PLAN_RESOLVER: Setting[str | None] = Setting(
    "RATELIMIT_PLAN_RESOLVER",
    None,
    optional(string()),  # imported and called by plans.resolve_plan (E206 checks it imports)
    "Dotted path of a callable request -> plan name (or None); None: user.plan or the context "
    "plan.",
)
RATELIMIT_CACHE: Setting[str] = Setting(
    "RATELIMIT_CACHE",
    "default",
    cache_alias,
    "Cache alias (django-redis for limits shared across processes; any other backend: per "
    "process).",
    "infra_core.E204",
    "Use an alias of CACHES, e.g. 'default'.",
)
RATELIMIT_ENABLED: Setting[bool] = Setting(
    "RATELIMIT_ENABLED",
    True,
    boolean,
    "Master switch: False skips every limit (no Redis calls, no headers).",
    "infra_core.E208",
)
def rule_list(value: Any) -> list[dict[str, Any]]:
    """A list of rule dicts (their fields: E207)."""
    if not isinstance(value, list | tuple) or not all(isinstance(r, Mapping) for r in value):
        raise SettingError("is not a list of rule dicts")
    return [dict(rule) for rule in value]


RATELIMIT_RULES: Setting[list[dict[str, Any]]] = Setting(
    "RATELIMIT_RULES",
    [],
    rule_list,  # each rule's fields validated by system_checks (E207)
    'RateLimitMiddleware rules, first match wins: {"path" or "url_name", "scope", "key"}.',
)
def optional_rule(value: Any) -> dict[str, Any] | None:
    """None (or empty) for no default rule, else the rule dict (its fields: E207)."""
    return mapping(value) if value else None


RATELIMIT_DEFAULT_RULE: Setting[dict[str, Any] | None] = Setting(
    "RATELIMIT_DEFAULT_RULE",
    None,
    optional_rule,  # its fields validated by system_checks (E207)
    'Rule for requests no rule matches ({"scope", "key"}); None: such requests are not limited.',
)
RATELIMIT_EXEMPT_PATHS: Setting[tuple[str, ...]] = Setting(
    "RATELIMIT_EXEMPT_PATHS",
    [],
    path_prefixes,
    "Extra path prefixes never limited (the infra_core.urls probes and /metrics always are "
    "exempt).",
    "infra_core.E209",
    'e.g. ["/static/", "/webhooks/"].',
)
RATELIMIT_FAIL_OPEN: Setting[bool] = Setting(
    "RATELIMIT_FAIL_OPEN",
    True,
    boolean,
    "Outage policy for scopes not in RATELIMIT_SCOPE_FAIL_OPEN: True lets requests pass (slowed "
    "by a per-process limiter), False answers 429 + Retry-After.",
    "infra_core.E208",
)
RATELIMIT_SCOPE_FAIL_OPEN: Setting[dict[str, bool]] = Setting(
    "RATELIMIT_SCOPE_FAIL_OPEN",
    {},
    scope_flags,
    "Per-scope outage policy overrides: {scope: bool}.",
    "infra_core.E208",
    'e.g. {"upload": False} to answer 429 for uploads while Redis is down.',
)
RATELIMIT_RECORD_VIOLATIONS: Setting[bool] = Setting(
    "RATELIMIT_RECORD_VIOLATIONS",
    False,
    boolean,
    "Store blocked requests as RateLimitViolation rows (one per scope, key, plan and minute; at "
    "most one write per row per second per process). False: no database write on the 429 path.",
    "infra_core.E213",
    "Use True to store blocked requests as RateLimitViolation rows, else False.",
)
RATELIMIT_ALGORITHM: Setting[Any] = Setting(
    "RATELIMIT_ALGORITHM",
    "log",
    anything,  # parsed by engine.parse_algorithm at decision time (E214, system_checks)
    'Redis algorithm: "log" (exact sliding log, one sorted-set entry per admitted request) or '
    '"counter" (sliding-window counter: O(1) memory, up to 2x the limit in a worst-case window).',
)
RATELIMIT_SCOPE_ALGORITHM: Setting[dict[str, Any]] = Setting(
    "RATELIMIT_SCOPE_ALGORITHM",
    {},
    mapping,  # entries parsed by engine.parse_algorithm (E214, system_checks)
    'Per-scope algorithm overrides: {scope: "log" | "counter"}.',
)


def fail_open(scope: str) -> bool:
    """Return the outage policy of ``scope`` (True: fail open)."""
    overrides = RATELIMIT_SCOPE_FAIL_OPEN.value
    if scope in overrides:
        return overrides[scope]
    return RATELIMIT_FAIL_OPEN.value


SETTINGS = (
    RATELIMIT_RATES,
    RATELIMIT_DEFAULT_PLAN,
    RATELIMIT_PLAN_RESOLVER,
    RATELIMIT_CACHE,
    RATELIMIT_ENABLED,
    RATELIMIT_RULES,
    RATELIMIT_DEFAULT_RULE,
    RATELIMIT_EXEMPT_PATHS,
    RATELIMIT_FAIL_OPEN,
    RATELIMIT_SCOPE_FAIL_OPEN,
    RATELIMIT_RECORD_VIOLATIONS,
    RATELIMIT_ALGORITHM,
    RATELIMIT_SCOPE_ALGORITHM,
)
