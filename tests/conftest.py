"""Shared fixtures: free ports, throwaway Redis servers, black-hole listeners, JSON log capture."""

from __future__ import annotations

import io
import json
import logging
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from infra_core.logging.filters import ContextFilter, RedactFilter
from infra_core.logging.formatters import JsonFormatter

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {HOST}:{port} after {seconds}s")


@dataclass
class ThrowawayRedis:
    """A redis-server this test run started on a free loopback port; safe to stop or pause."""

    port: int
    proc: subprocess.Popen[bytes] | None = None
    args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--enable-debug-command",
                "local",
                *self.args,
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class BlackHole:
    """A TCP listener that accepts and never answers: "port open, service hung"."""

    port: int
    sock: socket.socket
    conns: list[socket.socket] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"


@pytest.fixture
def blackhole() -> Iterator[BlackHole]:
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(64)
    hole = BlackHole(port=sock.getsockname()[1], sock=sock)
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                hole.conns.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield hole
    finally:
        stop.set()
        thread.join(2)
        for c in hole.conns:
            c.close()
        sock.close()


class JsonLogCapture:
    """Records formatted by infra_core's JsonFormatter, parsed back into dicts."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.handler.addFilter(ContextFilter())
        self.handler.addFilter(RedactFilter())

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def by_logger(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("logger") == name]


@pytest.fixture
def json_logs() -> Iterator[JsonLogCapture]:
    cap = JsonLogCapture()
    root = logging.getLogger()
    root.addHandler(cap.handler)
    try:
        yield cap
    finally:
        root.removeHandler(cap.handler)
