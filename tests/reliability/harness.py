"""Throwaway servers for the reliability suite: its own database, a TCP proxy, gunicorn, Celery.

Everything runs on free loopback ports and is stopped by PID. PostgreSQL is the shared server, but
the suite works in a database of its own (created with a unique name, dropped at the end) and only
ever terminates backends of that database with the suite's ``application_name``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg

from tests.conftest import HOST, free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.reliability.stack.settings"
TOKEN = "reliability-token-0123456789"

TABLES = """
CREATE TABLE rel_sent (
    key text PRIMARY KEY, state text NOT NULL, fail boolean NOT NULL, at timestamptz DEFAULT now()
);
CREATE TABLE rel_ledger (key text PRIMARY KEY, deliveries integer NOT NULL);
CREATE TABLE rel_writes (id bigserial PRIMARY KEY, pid integer, at timestamptz DEFAULT now());
"""


def pg_dsn(dbname: str) -> str:
    host = os.environ.get("INFRA_TEST_PG_HOST", HOST)
    port = os.environ.get("INFRA_TEST_PG_PORT", "5432")
    user = os.environ.get("INFRA_TEST_PG_USER", "postgres")
    return f"host={host} port={port} user={user} dbname={dbname} connect_timeout=3"


@dataclass
class Database:
    """A database of the suite's own on the shared PostgreSQL server."""

    name: str = field(default_factory=lambda: f"rel_{os.getpid()}_{uuid.uuid4().hex[:8]}")
    app_name: str = field(default_factory=lambda: f"relapp-{uuid.uuid4().hex[:8]}")

    def create(self) -> None:
        with psycopg.connect(pg_dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def setup_tables(self) -> None:
        with psycopg.connect(pg_dsn(self.name), autocommit=True) as conn:
            conn.execute(TABLES)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(pg_dsn(self.name), autocommit=True) as conn:
            return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]

    def terminate_app_backends(self) -> int:
        """pg_terminate_backend every connection of this database opened by the stack."""
        rows = self.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = %s AND pid <> pg_backend_pid()",
            (self.name, self.app_name),
        )
        return sum(1 for (ok,) in rows if ok)

    def drop(self) -> None:
        with psycopg.connect(pg_dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class ProxyProcess:
    """tests/reliability/proxy.py in a process of its own (not competing with the test for the
    GIL): SIGUSR1 black-holes the upstream, SIGUSR2 heals it; each is acknowledged on stdout."""

    def __init__(self, upstream_port: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.proxy", str(upstream_port)],
            cwd=ROOT, stdout=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        self.port = int(self._line())

    def _line(self, timeout: float = 10) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, "the proxy did not answer"
        return self.proc.stdout.readline().decode().strip()

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def blackhole(self) -> None:
        self.proc.send_signal(signal.SIGUSR1)
        assert self._line() == "blackholed"

    def heal(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR2)
            assert self._line() == "healed"

    def pids(self) -> list[int]:
        return [self.proc.pid]

    def stop(self) -> None:
        _stop_group(self.proc, signal.SIGTERM, 5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def stack_env(db: Database, cache_url: str, broker_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "REL_PG_NAME": db.name,
        "REL_PG_APP": db.app_name,
        "REL_CACHE_URL": cache_url,
        "REL_BROKER_URL": broker_url,
        "REL_QUEUE": f"rel-{db.name}",
        "REL_METRICS_TOKEN": TOKEN,
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def migrate(env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=120,
        )  # fmt: skip


def _stop_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, wait: float = 20) -> None:
    """``sig`` to the main process (a warm shutdown for gunicorn and Celery), then SIGKILL to
    its whole process group if it has not exited within ``wait`` seconds."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, sig)
    try:
        proc.wait(wait)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def server_errors(log: Path) -> list[dict[str, Any]]:
    """The ``django.request`` records of 500 responses in a gunicorn log (JSON lines)."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if '"Internal Server Error' in line and line.startswith("{"):
            with contextlib.suppress(ValueError):
                found.append(json.loads(line))
    return found


@dataclass
class Gunicorn:
    """A gunicorn master with 2 sync workers serving the stack; its own multiprocess dir."""

    env: dict[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        mpdir = self.workdir / f"prom-{self.port}"
        mpdir.mkdir(parents=True, exist_ok=True)
        (mpdir / "counter_999999.db").write_bytes(b"stale file of an earlier run")
        with (self.workdir / f"gunicorn-{self.port}.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn",
                    "-c", str(ROOT / "tests/reliability/stack/gunicorn_conf.py"),
                    "-b", f"{HOST}:{self.port}", "tests.reliability.stack.wsgi:application",
                ],
                cwd=ROOT, env={**self.env, "PROMETHEUS_MULTIPROC_DIR": str(mpdir)},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_port(self.port, 60)
        deadline = time.monotonic() + 60
        while len(self.workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.workers()) == 2, "gunicorn did not start 2 workers"
        assert not (mpdir / "counter_999999.db").exists(), "on_starting did not wipe the dir"

    def workers(self) -> list[int]:
        assert self.proc is not None
        with contextlib.suppress(psutil.Error):
            return sorted(c.pid for c in psutil.Process(self.proc.pid).children())
        return []

    @property
    def log(self) -> Path:
        return self.workdir / f"gunicorn-{self.port}.log"

    def rss(self) -> dict[int, int]:
        out = {}
        for pid in self.workers():
            with contextlib.suppress(psutil.Error):
                out[pid] = psutil.Process(pid).memory_info().rss
        return out

    def pids(self) -> list[int]:
        return [] if self.proc is None else [self.proc.pid, *self.workers()]

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc)


@dataclass
class CeleryWorker:
    """A ``celery worker`` (prefork, 2 processes) on the stack's queue."""

    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        name = f"rel{time.monotonic_ns()}@127.0.0.1"
        self.log_path = self.log_path.with_name(f"worker-{name.split('@')[0]}.log")
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "tests.reliability.stack.celery_app",
                    "worker", "-Q", self.env["REL_QUEUE"], "-n", name, "-c", "2", "-P", "prefork",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "--loglevel", "INFO",
                ],
                cwd=ROOT, env={**self.env, "REL_LOG_LEVEL": "INFO"}, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if len(self.pool()) >= 2 and b" ready." in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        raise AssertionError(f"celery worker not ready: {self._tail()[-3000:]!r}")

    def _tail(self) -> bytes:
        return self.log_path.read_bytes()[-20000:]

    def pool(self) -> list[int]:
        assert self.proc is not None
        with contextlib.suppress(psutil.Error):
            return [c.pid for c in psutil.Process(self.proc.pid).children()]
        return []

    def pids(self) -> list[int]:
        return [] if self.proc is None else [self.proc.pid, *self.pool()]

    def kill_all(self) -> None:
        """SIGKILL main process and pool together, as a lost node."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM to the main process: Celery's warm shutdown (running tasks finish)."""
        if self.proc is not None:
            _stop_group(self.proc)
