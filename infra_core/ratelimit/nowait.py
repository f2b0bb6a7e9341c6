"""``decide_now()``: the rate-limit decision an async view can make on the event loop.

Only a decision that needs no I/O is made here (a leased scope with permits in hand); anything
else is ``LATER``, and the caller runs :func:`infra_core.ratelimit.decision.decide` in a thread.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from infra_core.ratelimit.conf import RATELIMIT_CACHE, RATELIMIT_ENABLED, RATELIMIT_SCOPE_LEASE
from infra_core.ratelimit.decision import UNSET, bucket, built_target, record_decision, scope_key
from infra_core.ratelimit.engine import Decision
from infra_core.ratelimit.keys import identity
from infra_core.ratelimit.lease import LEASES
from infra_core.ratelimit.rates import parse_rate

#: What decide_now() returns when the decision needs I/O: call decide() off the event loop.
LATER: Any = object()


def _key_needs_no_io(key: str) -> bool:
    # "ip" and "header:<name>" read the request only; "user" may load request.user from the
    # database, and a dotted-path key function may do anything.
    return key == "ip" or key.startswith("header:")


def decide_now(
    request: HttpRequest, scope: str, key: str = "user_or_ip", rate: Any = UNSET
) -> Decision | Any | None:
    """Return decide()'s answer when it needs no I/O, else ``LATER``.

    Only a leased scope (RATELIMIT_SCOPE_LEASE) with an explicit ``rate``, an ``ip`` or
    ``header:`` key and permits in hand is decided here: the same admission, headers and
    metrics as decide() would give, without a thread hand-off. Everything else (plan
    resolution, user keys, a lease to take, a first decision building the Redis client) is
    ``LATER``.
    """
    if not RATELIMIT_ENABLED.value:
        return None
    if rate is UNSET or not _key_needs_no_io(key):
        return LATER
    leases = RATELIMIT_SCOPE_LEASE.value
    if not leases or scope not in leases:
        return LATER
    parsed = parse_rate(rate)
    if parsed is None:
        return None
    ident = identity(key, request)
    if ident is None:
        return None
    target = built_target(RATELIMIT_CACHE.value)  # built by an earlier decide(), never here
    if target is UNSET or target is None:  # not built yet, or not a Redis alias
        return LATER
    algorithm, _, redis_key_ = scope_key(target, scope, bucket(scope, ident, parsed))
    if algorithm.name != "log":
        return LATER
    decision = LEASES.spend_now(redis_key_, parsed, scope)
    if decision is None:
        return LATER
    record_decision(request, decision, key, ident, None)
    return decision
