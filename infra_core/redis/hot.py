"""Connections for one-command calls on a hot path, without the pool's per-checkout work.

redis-py's ``ConnectionPool.get_connection()`` polls the socket (``can_read``: a ``select``
system call) and records observability counters on every checkout, and ``release()`` dispatches
an event: about 10 µs per call on the benchmark VM, twice what a whole rate-limit decision costs
in Python (docs/performance.md). Neither redis-py nor django-redis offers a leaner checkout, so
the rate limiter keeps its own idle connections here:

* a LIFO of idle connections (``deque.pop``/``append`` are atomic: no lock per call);
* a connection goes back only after its whole reply was read; any other failure closes it, so
  an idle socket never holds a stale reply (what ``can_read`` guards against);
* a reused socket that the server closed (restart, idle ``timeout``) raises ``ConnectionError``
  on first use: the call is retried once on a fresh connection. Timeouts are never retried.
  If Redis executed the command and then died before replying, the retry counts it again on the
  restarted server, which had lost the first count with everything else;
* at most ``max_connections`` sockets are open at once (``GuardedRedis`` splits a pool's cap
  between its own pool and these, so the two together stay within it); at most ``max_idle``
  sockets stay open idle;
* a forked child (gunicorn ``--preload``) drops the parent's sockets before its first call.

Connections are built exactly as the pool builds them (``connection_class(**connection_kwargs)``:
same address, timeouts, auth, database, protocol).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import deque
from functools import partial
from typing import Any

DEFAULT_MAX_IDLE = 64

_all: weakref.WeakSet[HotConnections] = weakref.WeakSet()


class HotConnections:
    """Idle connections of one redis-py ``ConnectionPool``'s kind, for ``call(packed)``."""

    def __init__(
        self, pool: Any, *, max_idle: int = DEFAULT_MAX_IDLE, max_connections: int | None = None
    ) -> None:
        from redis.exceptions import ConnectionError, MaxConnectionsError, ResponseError

        # Kept here, not imported per call: an import statement costs ~1 µs on the hot path.
        self._closed_error = ConnectionError
        self._reply_error = ResponseError
        self._too_many = MaxConnectionsError
        self._build = partial(pool.connection_class, **pool.connection_kwargs)
        self.max_connections: int = max_connections or pool.max_connections
        self.max_idle = max_idle
        self._idle: deque[Any] = deque()
        self._lock = threading.Lock()  # only around opening and closing, never per call
        self._open = 0
        self.created = 0  # connections opened so far (diagnostics and tests)
        _all.add(self)

    @classmethod
    def for_client(
        cls, client: Any, *, max_connections: int | None = None
    ) -> HotConnections | None:
        """Return hot connections for a plain ``redis.Redis`` on a ``ConnectionPool``, else None.

        Cluster, sentinel, single-connection and client-side-caching clients keep redis-py's path.
        """
        from redis import ConnectionPool

        pool = getattr(client, "connection_pool", None)
        if type(pool) is not ConnectionPool or getattr(client, "connection", None) is not None:
            return None
        if getattr(pool, "cache", None) is not None:
            return None
        return cls(pool, max_connections=max_connections)

    @property
    def idle(self) -> int:
        """Return how many connections are open and idle."""
        return len(self._idle)

    @property
    def open(self) -> int:
        """Return how many connections are open, idle or in a call."""
        return self._open

    def call(self, packed: bytes) -> Any:
        """Send one packed command and return its reply (a ``ResponseError`` is raised)."""
        try:
            conn = self._idle.pop()
        except IndexError:
            return self._send(self._new(), packed)
        try:
            return self._send(conn, packed)
        except self._closed_error:  # the server closed this idle socket: one fresh try
            return self._send(self._new(), packed)

    def close(self) -> None:
        """Close every idle connection."""
        while True:
            try:
                conn = self._idle.pop()
            except IndexError:
                return
            self._discard(conn)

    def _new(self) -> Any:
        with self._lock:
            if self._open >= self.max_connections:
                raise self._too_many("Too many connections")
            self._open += 1
            self.created += 1
        return self._build()

    def _send(self, conn: Any, packed: bytes) -> Any:
        try:
            conn.send_packed_command((packed,), check_health=False)
            reply = conn.read_response()
        except BaseException as exc:
            if isinstance(
                exc, self._reply_error
            ):  # a whole error reply was read: the socket is clean
                self._release(conn)
            else:
                self._discard(conn)
            raise
        self._release(conn)
        return reply

    def _release(self, conn: Any) -> None:
        if len(self._idle) < self.max_idle:
            self._idle.append(conn)
        else:
            self._discard(conn)

    def _discard(self, conn: Any) -> None:
        with self._lock:
            self._open -= 1
        conn.disconnect()

    def _forget_after_fork(self) -> None:
        # The parent's sockets are not ours to use or shut down: drop them (their file
        # descriptors close when collected; redis-py skips shutdown() in another process).
        self._idle.clear()
        self._open = 0
        self._lock = threading.Lock()


def _after_fork_in_child() -> None:
    for hot in list(_all):
        hot._forget_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
