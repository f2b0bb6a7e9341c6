"""Per-process single flight while the cache is unavailable: one ``fn()`` per key per process.

With Redis down there is no shared lock, and every concurrent caller would otherwise run ``fn``
(a database query) at once. Callers in one process that miss the same key together share the
first one's result; they wait at most ``wait`` seconds, and compute themselves if it failed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class _Flight:
    __slots__ = ("done", "ok", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None


_lock = threading.Lock()
_flights: dict[tuple[str, str], _Flight] = {}


def run_once(
    alias: str, key: str, fn: Callable[[], T], *, wait: float, computed: Callable[[], None]
) -> T:
    """Return ``fn()``, or the result a concurrent caller in this process is computing."""
    slot = (alias, key)
    with _lock:
        flight = _flights.get(slot)
        leader = flight is None
        if flight is None:
            flight = _flights[slot] = _Flight()
    if leader:
        try:
            computed()
            value = fn()
            flight.value, flight.ok = value, True
            return value
        finally:
            with _lock:
                _flights.pop(slot, None)
            flight.done.set()
    if flight.done.wait(wait) and flight.ok:
        return flight.value  # type: ignore[no-any-return]
    computed()
    return fn()  # the leader failed or is slow: never wait on it longer than the lock wait
