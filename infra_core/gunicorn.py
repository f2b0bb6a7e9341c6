"""gunicorn server hooks for infra_core; import them in your gunicorn.conf.py.

::

    from infra_core.gunicorn import child_exit, on_starting, post_worker_init  # noqa: F401

Each hook is a plain function with gunicorn's signature, so several concerns can share this
module and a project can call them from its own hooks.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("infra_core.gunicorn")


def on_starting(server: Any) -> None:
    """Wipe PROMETHEUS_MULTIPROC_DIR at master start so old workers' files are not merged in."""
    from infra_core.metrics.multiprocess import multiproc_dir, wipe_multiproc_dir

    if multiproc_dir():
        removed = wipe_multiproc_dir()
        logger.info("prometheus multiprocess dir %s: removed %d files", multiproc_dir(), removed)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges and fold its counters into the archive (totals stay)."""
    from infra_core.metrics.multiprocess import multiproc_dir

    if not multiproc_dir():
        return
    try:
        from prometheus_client import multiprocess

        from infra_core.metrics.multiprocess import compact_dead_worker

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
        compact_dead_worker(worker.pid)
    except Exception as exc:  # the master must outlive a metrics failure
        from infra_core.observe import observer_failed

        observer_failed("metrics", exc)


def post_worker_init(worker: Any) -> None:
    """On SIGTERM, answer /ready/ with 503 for HEALTH_DRAIN_SECONDS, then stop the worker."""
    from infra_core.health.drain import install_worker_drain

    install_worker_drain(worker)
