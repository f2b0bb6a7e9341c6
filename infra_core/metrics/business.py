"""Helpers for application code: outbound API calls and business events as metrics."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from infra_core.metrics.definitions import (
    BUSINESS_EVENTS,
    OUTBOUND_DURATION,
    OUTBOUND_REQUESTS,
)
from infra_core.observe import observer_failed

_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,62}\Z")
OUTCOMES = frozenset({"ok", "error", "timeout"})
# A name is a label value; past this many distinct ones a helper is being fed data, not names.
MAX_NAMES = 200
OVERFLOW = "other"

_seen: dict[str, set[str]] = {"service": set(), "event": set(), "query": set(), "job": set()}
_lock = threading.Lock()


def _label(kind: str, name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"{kind} name {name!r} is not a metric label value: use 1-63 lowercase letters, "
            'digits, "_", "." or "-", starting with a letter (e.g. "stripe" or "signup").'
        )
    return _bounded(kind, name)


def name_label(kind: str, name: str) -> str:
    """Return ``name`` as a bounded label value of ``kind`` (``query``, ``job``...) or raise."""
    return _label(kind, name)


def event_label(name: str) -> str:
    """Return event ``name`` as a bounded label value: ``other`` when unfit or past MAX_NAMES."""
    return _bounded("event", name) if _NAME.match(name) else OVERFLOW


def _bounded(kind: str, name: str) -> str:
    seen = _seen[kind]
    if name in seen:
        return name
    with _lock:
        if len(seen) >= MAX_NAMES:
            return OVERFLOW
        seen.add(name)
    return name


def record_api_call(service: str, outcome: str = "ok", seconds: float | None = None) -> None:
    """Count one call to an external ``service`` (ok, error or timeout) and its duration."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r} is not one of {sorted(OUTCOMES)}.")
    label = _label("service", service)
    try:
        OUTBOUND_REQUESTS.labels(service=label, outcome=outcome).inc()
        if seconds is not None:
            OUTBOUND_DURATION.labels(service=label).observe(seconds)
    except Exception as exc:  # observers never break the observed
        observer_failed("metrics", exc)


@contextmanager
def track_api_call(service: str) -> Iterator[None]:
    """Time the block as a call to ``service``: ok, or timeout/error if it raises."""
    _label("service", service)
    start = time.perf_counter()
    try:
        yield
    except TimeoutError:
        record_api_call(service, "timeout", time.perf_counter() - start)
        raise
    except Exception:
        record_api_call(service, "error", time.perf_counter() - start)
        raise
    record_api_call(service, "ok", time.perf_counter() - start)


def business_event(name: str, count: int = 1) -> None:
    """Count a business event (``signup``, ``order.paid``) in infra_core_business_events_total."""
    label = _label("event", name)
    try:
        BUSINESS_EVENTS.labels(event=label).inc(count)
    except Exception as exc:  # observers never break the observed
        observer_failed("metrics", exc)
