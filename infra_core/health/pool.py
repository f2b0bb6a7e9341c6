"""A small bounded pool of daemon threads for health checks.

Why not ``ThreadPoolExecutor``: its threads are joined at interpreter exit, so one check stuck in a
socket would hold a gunicorn worker's shutdown until the master kills it. These threads are
daemons; a stuck one is abandoned and reported, never waited for past the deadline.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

_Job = tuple[Future[Any], Callable[[], Any]]


class DaemonPool:
    """Run callables on at most ``size`` daemon threads, started on demand."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pid = os.getpid()
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._queued = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        """Queue ``fn`` and return a future for its result."""
        future: Future[Any] = Future()
        with self._lock:
            self._queued += 1
            if self._queued > self._idle and len(self._threads) < self.size:
                thread = threading.Thread(
                    target=self._work, name=f"infra-health-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                self._idle += 1
                thread.start()
            self._queue.put((future, fn))
        return future

    def wait_idle(self, seconds: float) -> bool:
        """Wait up to ``seconds`` until no job is queued or running; return True if idle."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                if self._queued == 0 and self._idle == len(self._threads):
                    return True
            time.sleep(0.01)
        return False

    def _work(self) -> None:
        while True:
            future, fn = self._queue.get()
            with self._lock:
                self._idle -= 1
                self._queued -= 1
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:  # handed to the waiter, never lost
                    future.set_exception(exc)
            with self._lock:
                self._idle += 1


_pool: DaemonPool | None = None
_pool_lock = threading.Lock()


def get_pool(size: int) -> DaemonPool:
    """Return the process's pool, recreated after a fork or a size change."""
    global _pool
    with _pool_lock:
        # After fork (gunicorn --preload) the parent's threads do not exist in the child.
        if _pool is None or _pool.pid != os.getpid() or _pool.size != size:
            _pool = DaemonPool(size)
        return _pool
