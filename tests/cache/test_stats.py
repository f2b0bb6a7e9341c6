"""stats(): this process's counts per name, from the metrics."""

from __future__ import annotations

import uuid

from infra_core.cache import get_or_compute, stats


def test_stats_counts_hits_misses_and_computes(key: str) -> None:
    name = f"st{uuid.uuid4().hex[:8]}"
    get_or_compute(key, lambda: 1, namespace=name)
    get_or_compute(key, lambda: 1, namespace=name)
    get_or_compute(key, lambda: 1, namespace=name)
    row = stats()[name]
    assert (row["hit"], row["miss"], row["computes"]) == (2, 1, 1)


def test_stats_hit_rate_is_hits_over_lookups(key: str) -> None:
    name = f"st{uuid.uuid4().hex[:8]}"
    for _ in range(4):
        get_or_compute(key, lambda: 1, namespace=name)
    assert stats()[name]["hit_rate"] == 0.75
