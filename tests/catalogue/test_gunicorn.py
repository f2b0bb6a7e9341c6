"""Catalogue Q-02 at the socket: what gunicorn itself does with a bare LF in a header line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import HOST, free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port, log_path = free_port(), tmp_path / "gunicorn.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    with log_path.open("wb") as log:
        master = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "tests.health.wsgi:application", "-b",
             f"{HOST}:{port}", "-w", "1", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_port(port, 20)
        yield port, log_path
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(20)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait(5)


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        for _ in range(100):  # bounded: the server closes after its answer
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_q02_gunicorn_answers_400_to_a_bare_lf_in_a_header_and_nothing_is_injected(
    gunicorn: tuple[int, Path],
) -> None:
    port, log_path = gunicorn
    answer = _raw(port, b"GET /ping/ HTTP/1.1\r\nHost: t\r\nX-Request-ID: abc\nX-Evil: 1\r\n"
                        b"Connection: close\r\n\r\n")  # fmt: skip
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"400", answer[:300]  # gunicorn refuses it before Django
    head = rest.split(b"\r\n\r\n", 1)[0].lower()
    assert b"x-evil" not in head and b"x-request-id: abc" not in head
    # A well-formed request still works, and its id is echoed.
    ok = _raw(port, b"GET /ping/ HTTP/1.1\r\nHost: t\r\nX-Request-ID: q02-ok\r\n"
                    b"Connection: close\r\n\r\n")  # fmt: skip
    assert ok.split(b"\r\n", 1)[0].split()[1] == b"200"
    assert b"X-Request-ID: q02-ok" in ok
    text = log_path.read_bytes()
    assert b"X-Evil" not in text and b"abc\nX" not in text
