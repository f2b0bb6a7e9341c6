"""Server-assisted invalidation for the local tier: Redis client-side caching (``CLIENT TRACKING``).

One daemon thread per cache alias holds one connection in broadcasting mode redirected to
itself: ``CLIENT TRACKING ON REDIRECT <own id> BCAST PREFIX <the alias's key prefix>`` then
``SUBSCRIBE __redis__:invalidate``. Redis then reports every key under the prefix that any client
changes, deletes, or that expires or is evicted (a flush: every key). The thread evicts them
from the local tier. While the subscription is not live (starting, Redis down, paused: no PING
answer within ``PING_INTERVAL * 2``) the tier is flushed and bypassed. RESP2 framing, so it works
with every Redis >= 6 and needs no RESP3 client.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

from infra_core.cache.local import LocalCache

logger = logging.getLogger("infra_core.cache")
CHANNEL = b"__redis__:invalidate"
PING_INTERVAL = 0.5
MAX_BACKOFF = 2.0


class Incomplete(Exception):
    """The buffer holds no whole reply yet."""


def parse(buf: bytes, pos: int = 0) -> tuple[Any, int]:
    """Return one RESP2 reply from ``buf`` at ``pos`` and the position after it."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete
    kind, line, after = buf[pos : pos + 1], buf[pos + 1 : end], end + 2
    if kind in (b"+", b"-"):
        return line, after
    if kind == b":":
        return int(line), after
    if kind == b"$":
        n = int(line)
        if n < 0:
            return None, after
        if len(buf) < after + n + 2:
            raise Incomplete
        return buf[after : after + n], after + n + 2
    if kind == b"*":
        n = int(line)
        if n < 0:
            return None, after
        items = []
        for _ in range(n):
            item, after = parse(buf, after)
            items.append(item)
        return items, after
    raise ValueError(f"unexpected RESP type {kind!r}")


def pack(*parts: bytes) -> bytes:
    """Return a command in the Redis protocol."""
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


class Tracker:
    """Keep one alias's local tier coherent; ``live`` is True only while subscribed."""

    def __init__(self, local: LocalCache, connection_factory: Any, prefix: str) -> None:
        self.local = local
        self._factory = connection_factory
        self.prefix = prefix.encode()
        self.live = False
        self.subscriptions = 0  # how many times a subscription went live (tests, diagnostics)
        self._warned = False
        self._stop = threading.Event()
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="infra-cache-tracking", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        """Return True if the thread runs in this process (False after a fork)."""
        return self._pid == os.getpid() and self._thread.is_alive()

    def stop(self) -> None:
        """Stop the thread and flush the tier."""
        self._stop.set()
        self._lost()
        if self._pid == os.getpid():
            self._thread.join(PING_INTERVAL * 4)

    def _lost(self) -> None:
        self.live = False
        self.local.clear()

    def _run(self) -> None:
        backoff = 0.05
        while not self._stop.is_set():
            conn: Any = None
            try:
                conn = self._factory()
                conn.connect()
                self._session(conn)
                backoff = 0.05
            except Exception as exc:
                if self.live or not self._warned:  # once per outage, not once per retry
                    self._warned = True
                    logger.warning(
                        "cache local tier bypassed, tracking unavailable: %s: %s",
                        type(exc).__name__,
                        exc,
                    )
            finally:
                self._lost()
                if conn is not None:
                    with contextlib.suppress(Exception):  # already gone
                        conn.disconnect()
            self._stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _session(self, conn: Any) -> None:
        conn.send_command("CLIENT", "ID")
        client_id = conn.read_response()
        args = ["CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST"]
        if self.prefix:
            args += ["PREFIX", self.prefix]
        conn.send_command(*args)
        conn.read_response()
        sock: socket.socket = conn._sock
        sock.settimeout(PING_INTERVAL)
        sock.sendall(pack(b"SUBSCRIBE", CHANNEL))
        buf, last_seen = b"", time.monotonic()
        while not self._stop.is_set():
            try:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed by server")
                buf += chunk
                last_seen = time.monotonic()
            except TimeoutError:
                if time.monotonic() - last_seen > PING_INTERVAL * 2:
                    raise ConnectionError("no answer to PING") from None
                sock.sendall(pack(b"PING"))
                continue
            buf = self._handle(buf)

    def _handle(self, buf: bytes) -> bytes:
        pos = 0
        while pos < len(buf):
            try:
                reply, pos_after = parse(buf, pos)
            except Incomplete:
                break
            pos = pos_after
            if not isinstance(reply, list) or not reply:
                continue
            kind = reply[0]
            if kind == b"subscribe":
                self.local.clear()  # anything cached before now was not tracked
                self.live = True
                self._warned = False
                self.subscriptions += 1
            elif kind == b"message" and len(reply) == 3:
                keys = reply[2]
                if keys is None:
                    self.local.clear()  # FLUSHDB / FLUSHALL
                else:
                    self.local.discard(k.decode() for k in keys)
        return buf[pos:]
