"""``stats()``: this process's cache-aside counts per name, read from the metrics."""

from __future__ import annotations

from typing import Any

from infra_core.cache import metrics
from infra_core.metrics.definitions import CACHE_REQUESTS


def _samples(metric: Any, suffix: str = "_total") -> list[tuple[dict[str, str], float]]:
    found = []
    for family in metric.collect():
        for sample in family.samples:
            if sample.name.endswith(suffix):
                found.append((sample.labels, sample.value))
    return found


def stats() -> dict[str, dict[str, float]]:
    """Return {name: {hit, local_hit, miss, stale, error, computes, lock_waits, hit_rate}}.

    Counts of this process; ``hit_rate`` is (hit + local_hit + stale) / lookups. Under prometheus
    multiprocess mode these are the calling process's counts only; scrape /metrics for the fleet's.
    """
    out: dict[str, dict[str, float]] = {}

    def row(name: str) -> dict[str, float]:
        return out.setdefault(
            name,
            {
                "hit": 0,
                "local_hit": 0,
                "miss": 0,
                "stale": 0,
                "error": 0,
                "computes": 0,
                "lock_waits": 0,
            },
        )

    for labels, value in _samples(CACHE_REQUESTS):
        if labels["result"] in {"hit", "local_hit", "miss", "stale", "error"}:
            row(labels["name"])[labels["result"]] += value
    for labels, value in _samples(metrics.COMPUTES):
        row(labels["name"])["computes"] += value
    for labels, value in _samples(metrics.LOCK_WAITS):
        row(labels["name"])["lock_waits"] += value
    for counts in out.values():
        served = counts["hit"] + counts["local_hit"] + counts["stale"]
        lookups = served + counts["miss"] + counts["error"]
        counts["hit_rate"] = round(served / lookups, 4) if lookups else 0.0
    return out
