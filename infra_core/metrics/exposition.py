"""Render the registry as Prometheus text, merging worker files in multiprocess mode."""

from __future__ import annotations

import contextlib

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector

from infra_core.metrics.multiprocess import directory_lock, multiproc_dir

# Gauges read from the database: the same in every process, so never merged across workers.
# Concerns add theirs through ``Concern.collectors``.
_database_metrics = CollectorRegistry(auto_describe=False)


def add_database_collector(collector: Collector) -> None:
    """Expose ``collector`` on every scrape, outside multiprocess merging; idempotent."""
    with contextlib.suppress(ValueError):  # already registered: the concern registered twice
        _database_metrics.register(collector)


def database_metrics() -> bytes:
    """Return the database-read gauges as Prometheus text."""
    return generate_latest(_database_metrics)


def render() -> tuple[bytes, str]:
    """Return (body, content type) for a scrape of every metric in this process or all workers."""
    body, content_type = _render_process_metrics()
    return body + database_metrics(), content_type


def _render_process_metrics() -> tuple[bytes, str]:
    directory = multiproc_dir()
    if directory:
        # A fresh registry per scrape: MultiProcessCollector reads the .db files at collect time,
        # under a shared lock so a concurrent compaction (child_exit) is never seen half done.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        with directory_lock(directory, exclusive=False):
            return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
