"""The retention concern's metrics (labels: model labels of configured policies, bounded)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ROWS_DELETED = Counter(
    "infra_core_retention_rows_deleted_total",
    "Rows deleted by retention policies, by model label (cascaded rows not included).",
    ["model"],
)
RUN_DURATION = Histogram(
    "infra_core_retention_run_duration_seconds",
    "Wall time of one retention policy run (not dry runs), by model label.",
    ["model"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0),
)
LAST_SUCCESS = Gauge(
    "infra_core_retention_last_success_timestamp_seconds",
    "Unix time a retention policy last finished every expired row, by model label.",
    ["model"],
    multiprocess_mode="max",  # timestamps only grow: the newest across processes wins
)
