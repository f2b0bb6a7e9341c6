from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from infra_core.health import drain
from tests.conftest import HOST, free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]


class FakeWorker:
    """The two attributes of a gunicorn worker the drain hook uses."""

    def __init__(self) -> None:
        self.alive = True
        self.stopped = threading.Event()

    def handle_exit(self, signum: int, frame: object) -> None:
        self.alive = False
        self.stopped.set()


def get(port: int, path: str, timeout: float = 10.0) -> int:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_start_draining_sets_state_until_stopped() -> None:
    drain.start_draining("test")
    assert drain.is_draining()
    drain.stop_draining()
    assert not drain.is_draining()


def test_install_worker_drain_sigterm_drains_then_stops_worker() -> None:
    worker = FakeWorker()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        drain.install_worker_drain(worker, seconds=0.3)
        os.kill(os.getpid(), signal.SIGTERM)
        assert drain.is_draining()
        assert worker.alive  # still serving during the drain period
        assert worker.stopped.wait(0.3 * 3 + 1)
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_install_worker_drain_second_sigterm_stops_at_once() -> None:
    worker = FakeWorker()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        drain.install_worker_drain(worker, seconds=30)
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
        assert not worker.alive
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_install_worker_drain_second_sigterm_cancels_the_drain_stop() -> None:
    worker = FakeWorker()
    previous = signal.getsignal(signal.SIGTERM)
    later: list[int] = []
    try:
        drain.install_worker_drain(worker, seconds=0.3)
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
        signal.signal(signal.SIGTERM, lambda signum, frame: later.append(signum))
        time.sleep(0.6)  # past the drain period: the cancelled timer must not signal again
        assert later == []
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.integration
@pytest.mark.slow
def test_gunicorn_worker_sigterm_flips_ready_while_inflight_request_finishes(tmp_path) -> None:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.health.gunicorn_settings"}
    log = (tmp_path / "gunicorn.log").open("wb")
    master = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tests.health.wsgi:application",
            "-c",
            "tests/health/gunicorn_conf.py",
            "-b",
            f"{HOST}:{port}",
            "-w",
            "1",
            "-k",
            "gthread",
            "--threads",
            "4",
            "--graceful-timeout",
            "20",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_port(port, 20)
        assert get(port, "/ready/") == 200
        [worker] = psutil.Process(master.pid).children()
        slow: dict[str, int] = {}
        inflight = threading.Thread(target=lambda: slow.setdefault("code", get(port, "/slow/?s=3")))
        inflight.start()
        time.sleep(0.5)
        os.kill(worker.pid, signal.SIGTERM)
        ready, deadline = 0, time.monotonic() + 2
        while time.monotonic() < deadline:
            ready = get(port, "/ready/")
            if ready == 503:
                break
            time.sleep(0.05)
        assert ready == 503
        assert inflight.is_alive(), "the slow request should still be in flight"
        assert get(port, "/ping/") == 200  # other URLs keep answering during the drain
        inflight.join(15)
        assert slow.get("code") == 200
        worker.wait(10)  # stops after the 3 s drain; the master then starts a fresh worker
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(30)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait(5)
        log.close()
    assert master.returncode == 0, (tmp_path / "gunicorn.log").read_text()[-2000:]


@pytest.mark.integration
@pytest.mark.slow
def test_gunicorn_idle_sync_worker_sigterm_exits_after_drain_period(tmp_path) -> None:
    # Before the fix an idle sync worker slept in select() for --timeout/2 (15 s) after the drain.
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.health.gunicorn_settings"}
    log = (tmp_path / "gunicorn.log").open("wb")
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.health.wsgi:application",
         "-c", "tests/health/gunicorn_conf.py", "-b", f"{HOST}:{port}", "-w", "1",
         "-k", "sync", "--timeout", "30", "--graceful-timeout", "20"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_port(port, 20)
        assert get(port, "/ping/") == 200
        [worker] = psutil.Process(master.pid).children()
        time.sleep(0.5)  # the worker is idle in select()
        sent = time.monotonic()
        os.kill(worker.pid, signal.SIGTERM)
        worker.wait(12)
        took = time.monotonic() - sent
        assert 3.0 <= took < 3.0 + 3.0, f"exited {took:.1f}s after SIGTERM (drain is 3 s)"
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(30)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait(5)
        log.close()
    assert "stops accepting in 3s" in (tmp_path / "gunicorn.log").read_text()
