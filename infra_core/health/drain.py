"""Drain state: once draining, /ready/ answers 503 while the process finishes its work.

Start it explicitly (``start_draining()``, e.g. from a preStop hook view or a signal handler) or
let the gunicorn ``post_worker_init`` hook in ``infra_core.gunicorn`` do it on SIGTERM.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from infra_core.health.conf import HEALTH_DRAIN_SECONDS

logger = logging.getLogger("infra_core.health")

_draining = threading.Event()


def start_draining(reason: str = "requested") -> None:
    """Make /ready/ answer 503 from now on in this process."""
    if not _draining.is_set():
        _draining.set()
        logger.warning("draining: /ready/ now answers 503 (%s)", reason)


def stop_draining() -> None:
    """Answer /ready/ normally again (tests, or a cancelled shutdown)."""
    _draining.clear()


def is_draining() -> bool:
    """Return True once draining has started in this process."""
    return _draining.is_set()


def install_worker_drain(worker: Any, seconds: float | None = None) -> None:
    """Make SIGTERM on a gunicorn worker drain for ``seconds`` before the worker stops.

    gunicorn's own SIGTERM handler stops the worker accepting at once; this one flips /ready/ to
    503 first and calls that handler after the drain period, so the load balancer sees the pod
    leave while requests still get answers. A second SIGTERM stops the worker at once.
    """
    if seconds is None:
        seconds = HEALTH_DRAIN_SECONDS.value
    original = worker.handle_exit
    graceful = getattr(getattr(worker, "cfg", None), "graceful_timeout", None)
    if isinstance(graceful, int | float) and 0 < graceful <= seconds:
        logger.warning(
            "HEALTH_DRAIN_SECONDS (%gs) >= gunicorn graceful_timeout (%gs): on a server "
            "shutdown the master kills workers before their drain ends",
            seconds,
            graceful,
        )

    timers: list[threading.Timer] = []

    def handle_term(signum: int, frame: FrameType | None) -> None:
        if is_draining() or seconds <= 0:
            for pending in timers:  # stopping now: the drain's own stop must not come later
                pending.cancel()
            start_draining("SIGTERM")
            original(signum, frame)
            return
        start_draining(f"SIGTERM, worker stops accepting in {seconds:g}s")
        timer = threading.Timer(seconds, _stop_now, args=(signum,))
        timer.daemon = True
        timers.append(timer)
        timer.start()

    signal.signal(signal.SIGTERM, handle_term)
    # As gunicorn does: a SIGTERM must not interrupt system calls of requests in flight.
    signal.siginterrupt(signal.SIGTERM, False)


def _stop_now(signum: int) -> None:
    # Signal ourselves rather than call gunicorn's handler from this thread: an idle sync worker
    # sleeps in select() for half its --timeout (15 s by default) and only a signal (through
    # gunicorn's wakeup pipe) ends that sleep. The handler then sees the drain and stops at once.
    os.kill(os.getpid(), signum)
