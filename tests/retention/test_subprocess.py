"""``manage.py infra_cleanup`` as real subprocesses on PostgreSQL: scale, SIGKILL, two at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from tests.retention.conftest import LOG
from tests.testapp.models_retention import RetentionLog

ROOT = Path(__file__).resolve().parents[2]
TABLE = RetentionLog._meta.db_table
APP_NAME = "infra_cleanup_test"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL subprocess runs"),
]


def dsn() -> str:
    s = connection.settings_dict
    return f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname={s['NAME']}"


def seed(expired: int, fresh: int) -> None:
    """Insert rows with generate_series: every 11th row of a run is fresh when fresh > 0."""
    total = expired + fresh
    every = total // fresh if fresh else total + 1
    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute(
            f"INSERT INTO {TABLE} (created_at, kind) SELECT CASE WHEN g %% %s = 0 AND "
            f"g / %s <= %s THEN now() ELSE now() - interval '40 days' END, 'seed' "
            "FROM generate_series(1, %s) AS g",
            [every, every, fresh, total],
        )
        conn.execute(f"ANALYZE {TABLE}")


def counts() -> tuple[int, int]:
    """Return (expired, fresh) rows now in the table."""
    with psycopg.connect(dsn(), autocommit=True) as conn:
        row = conn.execute(
            f"SELECT count(*) FILTER (WHERE created_at < now() - interval '30 days'), "
            f"count(*) FILTER (WHERE created_at >= now() - interval '30 days') FROM {TABLE}"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def start(tmp: Path, name: str, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        INFRA_TEST_DB="postgres",
        INFRA_TEST_PG_NAME=str(connection.settings_dict["NAME"]),
        INFRA_TEST_INFRA_CORE=json.dumps({"RETENTION_POLICIES": {LOG: {"older_than": "30d"}}}),
        PGAPPNAME=APP_NAME,
        PYTHONPATH=str(ROOT),
    )
    out = tmp / f"{name}.json"
    with out.open("wb") as stdout, (tmp / f"{name}.err").open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "infra_cleanup", "--only", LOG, "--json", *args],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    return proc, out


def finish(proc: subprocess.Popen[bytes], seconds: float = 240) -> tuple[int, int]:
    """Wait for ``proc`` (bounded); return (exit code, peak RSS in KiB) from wait4."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss
        time.sleep(0.05)
    proc.kill()
    proc.wait(10)
    raise AssertionError(f"infra_cleanup did not finish within {seconds}s")


def report(out: Path) -> dict[str, Any]:
    # stdout also carries the test settings' JSON log lines: the summary is the one with policies.
    summaries = [json.loads(line) for line in out.read_text().splitlines() if '"policies"' in line]
    (policy,) = summaries[-1]["policies"]
    return policy  # type: ignore[no-any-return]


class Watch(threading.Thread):
    """Insert a fresh row every 20 ms and sample the cleanup's statements in pg_stat_activity."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.inserted = 0
        self.longest_insert = 0.0
        self.longest_statement = 0.0

    def run(self) -> None:
        with psycopg.connect(dsn(), autocommit=True) as conn:
            for _ in range(100_000):  # bounded: 20 ms apart, ends with the cleanup
                if self.stop.wait(0.02):
                    return
                began = time.monotonic()
                conn.execute(f"INSERT INTO {TABLE} (created_at, kind) VALUES (now(), 'live')")
                self.longest_insert = max(self.longest_insert, time.monotonic() - began)
                self.inserted += 1
                row = conn.execute(
                    "SELECT coalesce(extract(epoch FROM max(now() - query_start)), 0) "
                    "FROM pg_stat_activity WHERE application_name = %s AND state = 'active'",
                    [APP_NAME],
                ).fetchone()
                self.longest_statement = max(self.longest_statement, float(row[0]) if row else 0)


@pytest.fixture
def watch() -> Iterator[Watch]:
    watcher = Watch()
    watcher.start()
    yield watcher
    watcher.stop.set()
    watcher.join(10)


def wait_backends_gone(seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    with psycopg.connect(dsn(), autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]
            ).fetchone()
            if row is not None and row[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError("the killed run's database session did not end")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_million_expired_rows_go_fresh_stay_memory_flat_inserts_never_wait(
    tmp_path: Path, watch: Watch
) -> None:
    seed(expired=1_000_000, fresh=100_000)
    proc, out = start(tmp_path, "big")
    code, peak_kib = finish(proc, seconds=480)
    watch.stop.set()
    watch.join(10)
    assert code == 0, (tmp_path / "big.err").read_text()[-2000:]
    print(  # shown with -s or on failure: the acceptance figures
        f"peak RSS {peak_kib / 1024:.1f} MB, longest insert {watch.longest_insert * 1000:.1f} ms,"
        f" longest statement seen {watch.longest_statement * 1000:.0f} ms, {report(out)}"
    )
    assert report(out)["rows"] == 1_000_000
    assert counts() == (0, 100_000 + watch.inserted)
    assert peak_kib < 150 * 1024
    assert watch.inserted > 0 and watch.longest_insert < 1.0
    assert watch.longest_statement < 1.5  # "about 1 s": the sampler sees whole batches only


def test_sigkill_midway_leaves_whole_batches_and_the_next_run_finishes(tmp_path: Path) -> None:
    seed(expired=60_000, fresh=6_000)
    proc, _ = start(tmp_path, "killed", "--batch-size", "500", "--sleep", "20")
    deadline = time.monotonic() + 60
    while counts()[0] > 50_000 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    expired, fresh = counts()
    assert 0 < expired < 60_000 and fresh == 6_000
    with psycopg.connect(dsn(), autocommit=True) as conn:
        # Batches commit whole, in key order: what is left is a suffix of the expired rows.
        row = conn.execute(
            f"SELECT count(*) FROM {TABLE} WHERE created_at < now() - interval '30 days' AND "
            f"id > (SELECT min(id) FROM {TABLE} WHERE created_at < now() - interval '30 days')"
        ).fetchone()
    assert row is not None and row[0] == expired - 1
    wait_backends_gone()
    second, out = start(tmp_path, "second")
    assert finish(second)[0] == 0
    assert report(out)["rows"] == expired and counts() == (0, 6_000)


def test_two_runs_at_once_delete_every_expired_row_once_without_error(tmp_path: Path) -> None:
    seed(expired=80_000, fresh=8_000)
    first, first_out = start(tmp_path, "first", "--batch-size", "1000")
    second, second_out = start(tmp_path, "second", "--batch-size", "1000")
    assert (finish(first)[0], finish(second)[0]) == (0, 0)
    outcomes = [report(first_out), report(second_out)]
    assert sum(o["rows"] for o in outcomes) == 80_000
    assert all(o["status"] in ("done", "skipped") for o in outcomes)
    assert counts() == (0, 8_000)


def test_dry_run_reports_exactly_what_the_real_run_then_deletes(tmp_path: Path) -> None:
    seed(expired=30_000, fresh=3_000)
    dry, dry_out = start(tmp_path, "dry", "--dry-run", "--batch-size", "700")
    assert finish(dry)[0] == 0 and counts() == (30_000, 3_000)
    real, real_out = start(tmp_path, "real", "--batch-size", "700")
    assert finish(real)[0] == 0
    counted, deleted = report(dry_out), report(real_out)
    assert (counted["rows"], counted["batches"]) == (deleted["rows"], deleted["batches"])
    assert deleted["rows"] == 30_000 and counts() == (0, 3_000)
