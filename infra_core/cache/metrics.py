"""The cache concern's metrics (``infra_core_cache_*``), labelled by a bounded namespace name.

``name`` is chosen by code, never by data: the ``namespace`` argument of the call, else the TTL
preset name, else ``default``.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter

from infra_core.metrics.definitions import CACHE_REQUESTS
from infra_core.observe import observer_failed

COMPUTES = Counter(
    "infra_core_cache_computes_total",
    "Cache-aside computations (fn calls) by cache name.",
    ["name"],
)
LOCK_WAITS = Counter(
    "infra_core_cache_lock_waits_total",
    "Callers that waited for another's computation, by cache name and outcome (filled, timeout).",
    ["name", "outcome"],
)
ERRORS = Counter(
    "infra_core_cache_errors_total",
    "Cache operations that failed (Redis down, breaker open, undecodable value), by name and "
    "operation (read, lock, write, invalidate, counter).",
    ["name", "operation"],
)
INVALIDATIONS = Counter(
    "infra_core_cache_invalidations_total",
    "Invalidations by source (model, explicit) and outcome (ok, failed).",
    ["source", "outcome"],
)

# Bound children by label tuple: ``labels()`` costs about a microsecond per call.
_children: dict[tuple[Any, ...], Any] = {}


def count(metric: Any, *labels: str) -> None:
    """Add one to ``metric``'s child for ``labels``; never raise."""
    try:
        child = _children.get((metric, labels))
        if child is None:
            child = _children[(metric, labels)] = metric.labels(*labels)
        child.inc()
    except Exception as exc:  # observers never break the observed
        observer_failed("metrics", exc)


def request(name: str, result: str) -> None:
    """Count one lookup: hit, miss, stale (served stale) or error."""
    count(CACHE_REQUESTS, name, result)
