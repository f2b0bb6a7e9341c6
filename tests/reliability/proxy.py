"""A loopback TCP forwarder whose upstream can be black-holed (accepts, never answers).

``python -m tests.reliability.proxy UPSTREAM_PORT`` prints its port, then forwards to
127.0.0.1:UPSTREAM_PORT. SIGUSR1: black-hole (data is swallowed, new connections are accepted
and never forwarded); SIGUSR2: heal (starved connections are closed, forwarding resumes). Each
change is acknowledged with a line on stdout. SIGTERM ends it.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
import sys
import threading
from types import FrameType

HOST = "127.0.0.1"


class TcpProxy:
    """A loopback TCP forwarder whose upstream can be black-holed (accept, never answer)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(128)
        self.port: int = self.sock.getsockname()[1]
        self.blackholed = threading.Event()
        self.stopped = threading.Event()
        self.conns: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        with self.lock:
            self.conns.add(client)
        try:
            if not self.blackholed.is_set():
                upstream = socket.create_connection((HOST, self.upstream_port), timeout=1)
                with self.lock:
                    self.conns.add(upstream)
            self._pump(client, upstream)
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                if s is not None:
                    with self.lock:
                        self.conns.discard(s)
                    with contextlib.suppress(OSError):
                        s.close()

    def _pump(self, client: socket.socket, upstream: socket.socket | None) -> None:
        ends = [client] if upstream is None else [client, upstream]
        while not self.stopped.is_set():
            ready, _, _ = select.select(ends, [], [], 0.2)
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                if self.blackholed.is_set() or upstream is None:
                    continue  # swallowed: the client waits for its socket timeout
                (upstream if s is client else client).sendall(data)

    def blackhole(self) -> None:
        self.blackholed.set()

    def heal(self) -> None:
        """Forward again; connections opened or starved during the hole are closed."""
        with self.lock:
            for s in list(self.conns):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
        self.blackholed.clear()

    def stop(self) -> None:
        self.stopped.set()
        self.heal()
        self.thread.join(2)
        self.sock.close()


def main() -> None:
    proxy = TcpProxy(int(sys.argv[1]))

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGUSR1:
            proxy.blackhole()
            print("blackholed", flush=True)
        elif signum == signal.SIGUSR2:
            proxy.heal()
            print("healed", flush=True)
        else:
            proxy.stopped.set()

    for signum in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM):
        signal.signal(signum, on_signal)
    print(proxy.port, flush=True)
    while not proxy.stopped.wait(0.5):  # bounded by SIGTERM (the harness stops it by PID)
        pass
    proxy.stop()


if __name__ == "__main__":
    main()
