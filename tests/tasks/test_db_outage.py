"""The database goes away while a worker records a dead letter: nothing is lost, nothing crashes.

The worker's database is a throwaway PostgreSQL this test starts on a free loopback port, so it
can be stopped and started again without touching the shared server on 5432.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.conftest import HOST, free_port, wait_port
from tests.services import _pg_bin
from tests.tasks.conftest import ROOT, Worker, worker_env

pytestmark = pytest.mark.integration


@dataclass
class ThrowawayPostgres:
    datadir: str
    port: int
    prefix: list[str]

    @property
    def dsn(self) -> str:
        return f"host={HOST} port={self.port} user=postgres dbname=postgres connect_timeout=3"

    def _ctl(self, *args: str) -> None:
        pg_ctl = _pg_bin("pg_ctl")
        assert pg_ctl is not None
        subprocess.run([*self.prefix, pg_ctl, "-D", self.datadir, *args], check=True,
                       stdout=subprocess.DEVNULL, timeout=60)  # fmt: skip

    def start(self) -> None:
        opts = (
            f"-c listen_addresses={HOST} -c port={self.port} "
            f"-c unix_socket_directories={self.datadir}"
        )
        self._ctl("-o", opts, "-w", "-l", f"{self.datadir}/log", "start")
        wait_port(self.port, 20)

    def stop(self) -> None:
        self._ctl("-m", "immediate", "-w", "stop")


@pytest.fixture
def throwaway_pg() -> Iterator[ThrowawayPostgres]:
    initdb = _pg_bin("initdb")
    if initdb is None or _pg_bin("pg_ctl") is None:
        pytest.fail("PostgreSQL server binaries are missing: apt-get install postgresql")
    datadir = tempfile.mkdtemp(prefix="infra-pg-outage-")
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(datadir, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*prefix, initdb, "-D", datadir, "-U", "postgres", "--auth=trust"],
                   check=True, stdout=subprocess.DEVNULL, timeout=120)  # fmt: skip
    pg = ThrowawayPostgres(datadir, free_port(), prefix)
    pg.start()
    try:
        yield pg
    finally:
        try:
            pg.stop()
        finally:
            shutil.rmtree(datadir, ignore_errors=True)


def _count(pg: ThrowawayPostgres, task_id: str) -> int:
    with psycopg.connect(pg.dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM infra_core_deadletter WHERE task_id = %s", [task_id]
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_dead_letter_recorded_after_database_comes_back(
    throwaway_pg: ThrowawayPostgres, tmp_path: Path, transactional_db: None
) -> None:
    from tests.celery_app import QUEUE, app
    from tests.testapp.tasks import not_retried

    env = worker_env()
    env.update(INFRA_TEST_PG_PORT=str(throwaway_pg.port), INFRA_TEST_PG_NAME="postgres")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "tests.settings"},
                   check=True, timeout=120)  # fmt: skip
    worker = Worker(tmp_path / "worker.log", env)
    worker.start()
    try:
        throwaway_pg.stop()  # the worker cannot reach its database from now on
        task_id = str(uuid.uuid4())
        not_retried.apply_async(task_id=task_id)
        worker.wait_for(lambda text: "dlq.deferred" in text, 30, "recording deferred")
        time.sleep(1.0)  # the deferred recorder retries against the dead database meanwhile
        assert worker.proc is not None and worker.proc.poll() is None  # nothing crashed

        throwaway_pg.start()
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and _count(throwaway_pg, task_id) == 0:
            time.sleep(0.3)
        assert _count(throwaway_pg, task_id) == 1
        lines = worker.json_lines()
        deferred = [line for line in lines if line.get("event") == "dlq.deferred"]
        assert len(deferred) == 1
        assert task_id in deferred[0]["message"]
        assert not [line for line in lines if line.get("event") == "dlq.lost"]
    finally:
        worker.stop()
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(QUEUE)
