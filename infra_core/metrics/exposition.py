"""Render the registry as Prometheus text, merging worker files in multiprocess mode."""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiproc_dir() -> str | None:
    """Return the multiprocess directory from the environment, if set."""
    return os.environ.get(MULTIPROC_ENV) or None


_database_metrics: CollectorRegistry | None = None


def database_metrics() -> bytes:
    """Return gauges read from the database (same in every process, so never merged)."""
    global _database_metrics
    if _database_metrics is None:
        from infra_core.tasks.metrics import PENDING

        registry = CollectorRegistry(auto_describe=False)
        registry.register(PENDING)
        _database_metrics = registry
    return generate_latest(_database_metrics)


def render() -> tuple[bytes, str]:
    """Return (body, content type) for a scrape of every metric in this process or all workers."""
    body, content_type = _render_process_metrics()
    return body + database_metrics(), content_type


def _render_process_metrics() -> tuple[bytes, str]:
    directory = multiproc_dir()
    if directory:
        from infra_core.metrics.compaction import directory_lock

        # A fresh registry per scrape: MultiProcessCollector reads the .db files at collect time,
        # under a shared lock so a concurrent compaction (child_exit) is never seen half done.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        with directory_lock(directory, exclusive=False):
            return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def wipe_multiproc_dir(path: str | None = None) -> int:
    """Create the multiprocess directory if missing and delete its ``*.db`` files; return count.

    Only ``.db`` files are removed, so a directory pointed at by mistake loses nothing else.
    """
    target = path or multiproc_dir()
    if not target:
        return 0
    directory = Path(target)
    directory.mkdir(parents=True, exist_ok=True)
    removed = 0
    for file in directory.glob("*.db"):
        file.unlink(missing_ok=True)
        removed += 1
    return removed
