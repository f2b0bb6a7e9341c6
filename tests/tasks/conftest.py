"""A real Celery worker process on the per-run queue, against this run's test database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``predicate`` every 0.1 s; return its first truthy value or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not true within {timeout}s")


@dataclass
class Worker:
    """A ``celery worker`` subprocess; its JSON log lines are in ``log_path``."""

    log_path: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    name: str = field(default_factory=lambda: f"w{os.getpid()}-{time.monotonic_ns()}@127.0.0.1")

    def start(self, timeout: float = 30.0) -> None:
        from tests.celery_app import QUEUE

        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "tests.celery_app", "worker",
                    "-Q", QUEUE, "-n", self.name, "-c", "1", "-P", "prefork",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "--loglevel", "INFO",
                ],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.wait_for(lambda text: " ready." in text, timeout, "worker ready")

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def json_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    continue
        return lines

    def wait_for(self, predicate: Callable[[str], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.text()):
                return
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(
            f"{what}: not seen within {timeout}s; worker log:\n{self.text()[-4000:]}"
        )

    def children(self) -> list[int]:
        assert self.proc is not None
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def kill_all(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a dying node would."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


def worker_env(**infra: object) -> dict[str, str]:
    """The environment of a worker that uses this test run's database, Redis and queue."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        INFRA_TEST_DB="postgres",
        INFRA_TEST_PG_NAME=str(connection.settings_dict["NAME"]),
        INFRA_TEST_INFRA_CORE=json.dumps(infra),
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture
def start_worker(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start workers with INFRA_CORE overrides; every one is stopped (by PID) afterwards."""
    started: list[Worker] = []

    def start(**infra: object) -> Worker:
        if connection.vendor != "postgresql":
            pytest.skip("worker tests need the PostgreSQL pass (a shared, real database)")
        worker = Worker(tmp_path / f"worker{len(started)}.log", worker_env(**infra))
        started.append(worker)
        worker.start()
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def purge_queue() -> Iterator[None]:
    """Leave no message of this test on the per-run queue."""
    from tests.celery_app import QUEUE, app

    yield
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
