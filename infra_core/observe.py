"""Observers never break the observed: report a caught failure once, count it every time."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from infra_core.metrics.definitions import OBSERVER_ERRORS

logger = logging.getLogger("infra_core.observe")

_lock = threading.Lock()
_last_logged: dict[str, float] = {}
LOG_INTERVAL_SECONDS = 60.0


def inc(counter: Any, **labels: str) -> None:
    """Add one to ``counter`` (its ``labels`` child); report a metrics failure, never raise it."""
    try:
        (counter.labels(**labels) if labels else counter).inc()
    except Exception as exc:  # observers never break the observed
        observer_failed("metrics", exc)


def observer_failed(component: str, exc: BaseException, *, now: float | None = None) -> None:
    """Count a failure of ``component`` and log it at most once a minute per component."""
    # The metrics layer itself may be the thing that failed.
    with contextlib.suppress(Exception):
        OBSERVER_ERRORS.labels(component=component).inc()
    ts = time.monotonic() if now is None else now
    with _lock:
        last = _last_logged.get(component)
        if last is not None and ts - last < LOG_INTERVAL_SECONDS:
            return
        _last_logged[component] = ts
    logger.warning(
        "%s failed and was skipped: %s: %s",
        component,
        type(exc).__name__,
        exc,
        extra={"component": component, "error_class": type(exc).__name__},
    )
