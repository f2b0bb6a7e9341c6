"""The per-process local tier: an LRU bounded by entries and bytes, coherent through tracking.

An entry is served only while this process's tracking subscription (``tracking.Tracker``) is
live; a lost subscription flushes everything. Invalidations carry a sequence number, so a value
read from Redis before a concurrent invalidation of its key is never inserted after it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

MISSING: Any = object()
# Keys whose latest invalidation is remembered (for the insert race); beyond it, inserts that
# started before the oldest forgotten one are refused.
RECENT = 4096


class LocalCache:
    """A thread-safe LRU of ``key -> value`` with a deadline per entry."""

    def __init__(
        self,
        max_entries: int,
        max_bytes: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._data: OrderedDict[str, tuple[float, Any, int]] = OrderedDict()
        self._recent: OrderedDict[str, int] = OrderedDict()
        self._bytes = 0
        self._seq = 0  # one more per invalidation or flush
        self._floor = 0  # inserts that started before this sequence are refused

    @property
    def seq(self) -> int:
        """Return the current invalidation sequence (read it before fetching from Redis)."""
        return self._seq

    @property
    def size(self) -> tuple[int, int]:
        """Return (entries, bytes)."""
        return len(self._data), self._bytes

    def get(self, key: str) -> Any:
        """Return the live entry of ``key`` (marking it recently used), else MISSING."""
        # Lock-free: the C OrderedDict's get and move_to_end are atomic under the GIL; an entry
        # dropped in between only makes move_to_end raise (the lock costs ~1 µs a hit).
        entry = self._data.get(key)
        if entry is None:
            return MISSING
        if entry[0] <= self._clock():
            with self._lock:
                if self._data.get(key) is entry:
                    self._drop(key)
            return MISSING
        try:
            self._data.move_to_end(key)
        except KeyError:
            return MISSING
        return entry[1]

    def invalidated_since(self, key: str, seq: int) -> bool:
        """Return True if ``key`` was (or may have been) invalidated after sequence ``seq``."""
        return seq < self._floor or self._recent.get(key, -1) > seq

    def put(self, key: str, value: Any, size: int, max_age: float, seq: int) -> bool:
        """Insert unless ``key`` was invalidated since ``seq``, or the entry cannot fit."""
        if size > self.max_bytes or max_age <= 0:
            return False
        with self._lock:
            if self.invalidated_since(key, seq):
                return False
            if key in self._data:
                self._drop(key)
            self._data[key] = (self._clock() + max_age, value, size)
            self._bytes += size
            while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._data)))
            return True

    def discard(self, keys: Iterable[str]) -> None:
        """Forget ``keys`` (an invalidation message)."""
        with self._lock:
            self._seq += 1
            for key in keys:
                self._recent[key] = self._seq
                self._recent.move_to_end(key)
                if key in self._data:
                    self._drop(key)
            while len(self._recent) > RECENT:
                _, forgotten = self._recent.popitem(last=False)
                self._floor = max(self._floor, forgotten)

    def clear(self) -> None:
        """Forget everything (a flush, a lost or new subscription)."""
        with self._lock:
            self._seq += 1
            self._floor = self._seq
            self._data.clear()
            self._recent.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        _, _, size = self._data.pop(key)
        self._bytes -= size
