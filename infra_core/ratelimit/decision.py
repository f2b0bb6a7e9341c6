"""One rate-limit decision for a request: rate by plan, key, Redis or fallback, policy, records."""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import replace
from typing import Any, NamedTuple

from django.core.cache import caches
from django.core.cache.backends.base import default_key_func
from django.http import HttpRequest

from infra_core.logging.security import log_security_event
from infra_core.metrics.definitions import RATELIMIT_DECISIONS
from infra_core.observe import observer_failed
from infra_core.ratelimit.conf import (
    RATELIMIT_ALGORITHM,
    RATELIMIT_CACHE,
    RATELIMIT_DEFAULT_PLAN,
    RATELIMIT_ENABLED,
    RATELIMIT_RATES,
    RATELIMIT_RECORD_VIOLATIONS,
    RATELIMIT_SCOPE_ALGORITHM,
    RATELIMIT_SCOPE_LEASE,
    fail_open,
)
from infra_core.ratelimit.deadline import RedisClock
from infra_core.ratelimit.engine import (
    Algorithm,
    Decision,
    LocalLimiter,
    parse_algorithm,
    redis_hit,
)
from infra_core.ratelimit.keys import digest, identity
from infra_core.ratelimit.lease import LEASES
from infra_core.ratelimit.plans import rate_for, resolve_plan
from infra_core.ratelimit.rates import Rate, parse_rate
from infra_core.redis import GuardedRedis, RedisUnavailable, guarded, is_redis_cache

UNSET: Any = object()
REQUEST_ATTR = "_infra_ratelimit"

# Per-process limiters: the embedded default (no django-redis) and the fail-open fallback.
LOCAL = LocalLimiter()
FALLBACK = LocalLimiter()


def bucket_prefix(scope: str, ident: str) -> str:
    """Return what every bucket of ``ident`` in ``scope`` starts with (all rates, algorithms).

    ``{scope:ident}`` is the Redis Cluster hash tag: every key of one identity in one slot.
    """
    return f"rl:{{{scope}:{ident}}}:"


def bucket(scope: str, ident: str, rate: Rate) -> str:
    """Return the unprefixed bucket name of ``ident`` in ``scope`` at ``rate``."""
    return f"{bucket_prefix(scope, ident)}{rate.limit}/{rate.window}"


def redis_key(alias: str, scope: str, ident: str, rate: Rate, algorithm: str = "log") -> str:
    """Return the Redis key of a bucket (the cache's KEY_PREFIX and version applied)."""
    return caches[alias].make_key(bucket(scope, ident, rate) + parse_algorithm(algorithm).suffix)


class _Target(NamedTuple):
    guard: GuardedRedis
    default: tuple[Algorithm, Any]  # RATELIMIT_ALGORITHM and its registered script
    scopes: dict[str, tuple[Algorithm, Any]]  # RATELIMIT_SCOPE_ALGORITHM overrides
    key_prefix: str | None  # "<KEY_PREFIX>:<VERSION>:" when the cache uses Django's key function
    clock: RedisClock | None  # per-call deadlines (None: the client has no socket timeout)


# alias -> its Redis target, or None for a non-django-redis alias (counted per process). Saves the
# settings walk, key function and script lookups of every decision; rebuilt with the guard.
_targets: dict[str, _Target | None] = {}


def built_target(alias: str) -> Any:
    """Return the alias's target if built and still current (its guard), else UNSET."""
    target = _targets.get(alias, UNSET)
    if target is not UNSET and target is not None and target.guard is not guarded(alias):
        return UNSET
    return target


def _target(alias: str) -> _Target | None:
    target = built_target(alias)
    if target is UNSET:
        target = _targets[alias] = _new_target(alias)
    return target  # type: ignore[no-any-return]


def _new_target(alias: str) -> _Target | None:
    if not is_redis_cache(alias):
        return None
    guard = guarded(alias)
    cache = caches[alias]
    prefix = f"{cache.key_prefix}:{cache.version}:" if cache.key_func is default_key_func else None

    def pair(name: object) -> tuple[Algorithm, Any]:
        algorithm = parse_algorithm(name)
        return algorithm, guard.script(algorithm.lua)

    scopes = {scope: pair(name) for scope, name in RATELIMIT_SCOPE_ALGORITHM.value.items()}
    timeout = _socket_timeout(guard.client)
    clock = RedisClock(timeout) if timeout is not None else None
    return _Target(guard, pair(RATELIMIT_ALGORITHM.value), scopes, prefix, clock)


def _socket_timeout(client: Any) -> float | None:
    # The read timeout the decision's connections use: infra_core's REDIS_SOCKET_TIMEOUT pool,
    # or (Sentinel, cluster) the alias's own client and its SOCKET_TIMEOUT.
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", None)
    if not isinstance(kwargs, dict):
        return None
    timeout = kwargs.get("socket_timeout")
    return float(timeout) if isinstance(timeout, int | float) and timeout > 0 else None


def forget_targets(*, setting: str | None = None, **kwargs: Any) -> None:
    if setting is None or setting in {"CACHES", "INFRA_CORE"}:
        _targets.clear()
        LEASES.clear()  # leases of another Redis or rate are not spent


def scope_key(target: _Target, scope: str, raw: str) -> tuple[Algorithm, Any, str]:
    """Return the algorithm and script of ``scope`` and the Redis key of its bucket ``raw``."""
    guard, default, scopes, prefix, _ = target
    algorithm, script = scopes.get(scope, default) if scopes else default
    name = raw + algorithm.suffix
    return algorithm, script, guard.make_key(name) if prefix is None else prefix + name


def hit(scope: str, ident: str, rate: Rate) -> Decision:
    """Count one request of ``ident`` in ``scope`` and return the decision, applying the policy."""
    raw = bucket(scope, ident, rate)
    target = _target(RATELIMIT_CACHE.value)
    if target is None:
        return LOCAL.hit(raw, rate, scope=scope)
    guard, clock = target.guard, target.clock
    algorithm, script, key = scope_key(target, scope, raw)
    ttl, hot = algorithm.ttl_windows, guard.hot
    leases = RATELIMIT_SCOPE_LEASE.value
    try:
        if leases and scope in leases and algorithm.name == "log":
            return LEASES.hit(guard, key, rate, scope, leases[scope], clock)
        return guard.run(
            lambda client: redis_hit(client, script, key, rate, scope, ttl, hot=hot, clock=clock)
        )
    except RedisUnavailable as exc:
        if fail_open(scope):
            decision = FALLBACK.hit(raw, rate, scope=scope)
            return replace(decision, outcome="fail_open") if decision.allowed else decision
        wait = max(1, math.ceil(exc.retry_after))
        return Decision(False, rate.limit, 0, wait, rate.window, scope, "fail_closed")


def decide(
    request: HttpRequest, scope: str, key: str = "user_or_ip", rate: Any = UNSET
) -> Decision | None:
    """Return the decision for ``request`` in ``scope`` (None: not limited, no Redis call)."""
    if not RATELIMIT_ENABLED.value:
        return None
    plan: str | None = None
    if rate is UNSET:
        plan = resolve_plan(request)
        parsed = rate_for(scope, plan, RATELIMIT_RATES.value, RATELIMIT_DEFAULT_PLAN.value)
    else:
        parsed = parse_rate(rate)
    if parsed is None:
        return None
    ident = identity(key, request)
    if ident is None:
        return None
    decision = hit(scope, ident, parsed)
    record_decision(request, decision, key, ident, plan)
    return decision


def record_decision(
    request: HttpRequest, decision: Decision, key: str, ident: str, plan: str | None
) -> None:
    """Attach ``decision`` to the request for its headers; count it, log and record blocks."""
    django_request = getattr(request, "_request", request)
    previous = getattr(django_request, REQUEST_ATTR, None)
    if previous is None or decision.remaining <= previous.remaining:
        setattr(django_request, REQUEST_ATTR, decision)  # headers show the tightest limit
    try:
        child = _children.get((decision.scope, decision.outcome))
        (child or _counter(decision.scope, decision.outcome)).inc()
    except Exception as exc:  # observers never break the observed
        observer_failed("metrics", exc)
    if not decision.allowed and _first_block(decision.scope, ident, decision.window):
        log_security_event(
            "rate_limited",
            request=django_request,
            level=logging.WARNING,
            scope=decision.scope,
            ratelimit_key=key,
            # A digest, not the identity: a header key may carry an API key.
            ratelimit_key_digest=digest(ident),
            limit=decision.limit,
            window=decision.window,
            outcome=decision.outcome,
        )
    # Only a client over its limit is a violation: a fail-closed 429 during an outage is not.
    if decision.outcome == "blocked" and RATELIMIT_RECORD_VIOLATIONS.value:
        _record_violation(django_request, decision, key, ident, plan)


def _record_violation(
    request: HttpRequest, decision: Decision, key: str, ident: str, plan: str | None
) -> None:
    from infra_core.ratelimit import violations

    if plan is None:  # an explicit rate skipped the resolver; the row still names the plan
        try:
            plan = resolve_plan(request)
        except Exception as exc:
            observer_failed("ratelimit_violations", exc)
            plan = ""
    violations.record(request, decision, key, ident, plan)


_children: dict[tuple[str, str], Any] = {}


def _counter(scope: str, outcome: str) -> Any:
    # labels() costs a lock and a tuple build per call; scopes and outcomes are few and fixed.
    try:
        return _children[(scope, outcome)]
    except KeyError:
        child = _children[(scope, outcome)] = RATELIMIT_DECISIONS.labels(
            scope=scope, decision=outcome
        )
        return child


_block_lock = threading.Lock()
_last_block_logged: dict[tuple[str, str], float] = {}
_MAX_TRACKED = 10_000


def _first_block(scope: str, ident: str, window: int, *, now: float | None = None) -> bool:
    """Return True once per key and window: a flood is one security event, not thousands."""
    ts = time.monotonic() if now is None else now
    with _block_lock:
        last = _last_block_logged.get((scope, ident))
        if last is not None and ts - last < window:
            return False
        if len(_last_block_logged) >= _MAX_TRACKED:
            _last_block_logged.clear()  # bounded memory beats perfect dedupe under a flood
        _last_block_logged[(scope, ident)] = ts
        return True
