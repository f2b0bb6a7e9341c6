"""Retention on PostgreSQL: ``infra_cleanup`` beside a naive ORM delete and one raw DELETE.

On the same data (N expired rows, N/10 fresh ones interleaved), each variant a fresh process:

* ``infra_cleanup``: ``manage.py infra_cleanup`` on a model with no signals (testapp.RetentionLog);
* ``naive_orm``: ``RetentionNote.objects.filter(created_at__lt=cutoff).delete()`` with a
  post_delete receiver connected (Django's Collector loads every row first);
* ``raw_delete``: one ``DELETE FROM ... WHERE created_at < cutoff`` statement (psycopg).

Reported per variant: wall time, peak RSS of the process (``wait4`` ru_maxrss) and the longest
wait of an INSERT into the same table issued every 20 ms by another session. Then the flatness
figure: infra_cleanup's peak RSS at each size of ``--flat``.

"work" is the deleting alone (the command's own per-policy seconds; the timed statement or
``delete()`` call of the others); "process" adds interpreter and Django start-up.

Run: ``python tests/services.py -- python bench/bench_retention.py [--rows 300000]
[--flat 1000000,5000000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
TABLES = {"infra_cleanup": "testapp_retentionlog", "naive_orm": "testapp_retentionnote",
          "raw_delete": "testapp_retentionlog"}  # fmt: skip
NAIVE = (
    "import django, datetime\n"
    "django.setup()\n"
    "from django.db.models.signals import post_delete\n"
    "from django.utils import timezone\n"
    "from tests.testapp.models_retention import RetentionNote\n"
    "post_delete.connect(lambda **kw: None, sender=RetentionNote, weak=False)\n"
    "cutoff = timezone.now() - datetime.timedelta(days=30)\n"
    "import time; began = time.monotonic()\n"
    "RetentionNote.objects.filter(created_at__lt=cutoff).delete()\n"
    "print('WORK', time.monotonic() - began)\n"
)
RAW = (
    "import os, psycopg\n"
    "import time\n"
    "with psycopg.connect(os.environ['BENCH_DSN'], autocommit=True) as c:\n"
    "    began = time.monotonic()\n"
    '    c.execute("DELETE FROM testapp_retentionlog "\n'
    "              \"WHERE created_at < now() - interval '30 days'\")\n"
    "    print('WORK', time.monotonic() - began)\n"
)


def dsn(env: dict[str, str], name: str) -> str:
    host, port = env.get("INFRA_TEST_PG_HOST", "127.0.0.1"), env.get("INFRA_TEST_PG_PORT", "5432")
    return f"host={host} port={port} user=postgres dbname={name}"


def seed(conn: psycopg.Connection, table: str, expired: int) -> None:
    conn.execute(f"TRUNCATE {table}")
    conn.execute(
        f"INSERT INTO {table} (created_at{', kind' if 'log' in table else ''}) "
        "SELECT CASE WHEN g %% 11 = 0 THEN now() ELSE now() - interval '40 days' END"
        f"{', %s' if 'log' in table else ''} FROM generate_series(1, %s) AS g",
        ["seed", expired * 11 // 10] if "log" in table else [expired * 11 // 10],
    )
    conn.execute(f"VACUUM ANALYZE {table}")
    conn.execute("CHECKPOINT")  # every variant starts with no dirty buffers to flush


class Inserter(threading.Thread):
    """Insert one fresh row every 20 ms into ``table``; keep the longest wait."""

    def __init__(self, url: str, table: str) -> None:
        super().__init__(daemon=True)
        self.url, self.table = url, table
        self.stop = threading.Event()
        self.longest = 0.0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            for _ in range(100_000):  # bounded; ends with the variant
                if self.stop.wait(0.02):
                    return
                began = time.monotonic()
                if "log" in self.table:
                    conn.execute(f"INSERT INTO {self.table} (created_at, kind) VALUES (now(), 'x')")
                else:
                    conn.execute(f"INSERT INTO {self.table} (created_at) VALUES (now())")
                self.longest = max(self.longest, time.monotonic() - began)


def work_seconds(output: str) -> float:
    """Return the time of the deleting itself, without interpreter and Django start-up."""
    for line in output.splitlines():
        if line.startswith("WORK "):
            return float(line.split()[1])
        if '"policies"' in line:
            return float(sum(p["seconds"] for p in json.loads(line)["policies"]))
    raise SystemExit(f"no timing in the output: {output[-500:]}")


def run_variant(
    variant: str, env: dict[str, str], url: str, batch: int | None = None
) -> dict[str, Any]:
    table = TABLES[variant]
    if variant == "infra_cleanup":
        args = [sys.executable, "manage.py", "infra_cleanup", "--only", "testapp.RetentionLog",
                "-v", "0", "--json", *(["--batch-size", str(batch)] if batch else [])]  # fmt: skip
    else:
        args = [sys.executable, "-c", NAIVE if variant == "naive_orm" else RAW]
    inserter = Inserter(url, table)
    inserter.start()
    began = time.monotonic()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    output = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - began
    work = work_seconds(output)
    inserter.stop.set()
    inserter.join(10)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{variant} failed with exit {os.waitstatus_to_exitcode(status)}")
    with psycopg.connect(url, autocommit=True) as conn:
        left = conn.execute(
            f"SELECT count(*) FROM {table} WHERE created_at < now() - interval '30 days'"
        ).fetchone()
    assert left is not None and left[0] == 0, f"{variant} left {left} expired rows"
    return {"seconds": round(seconds, 2), "work_seconds": round(work, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "longest_insert_ms": round(inserter.longest * 1000, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000, help="expired rows per variant")
    parser.add_argument("--flat", default="1000000", help="sizes for the RSS figure, e.g. 5000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, help="infra_cleanup --batch-size")
    parser.add_argument("--variants", default=",".join(TABLES), help="subset, raw_delete included")
    args = parser.parse_args()
    chosen = [v for v in TABLES if v in args.variants.split(",") or v == "raw_delete"]
    env = dict(os.environ)
    name = f"infra_bench_retention_{os.getpid()}"
    admin = dsn(env, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = dsn(env, name)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings", INFRA_TEST_DB="postgres", INFRA_TEST_PG_NAME=name,
        PYTHONPATH=str(ROOT), BENCH_DSN=url, INFRA_TEST_INFRA_CORE=json.dumps(
            {"RETENTION_POLICIES": {"testapp.RetentionLog": {"older_than": "30d"}}}
        ),
    )  # fmt: skip
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in chosen}
    flat: dict[int, dict[str, Any]] = {}
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--run-syncdb", "-v", "0"],
                       cwd=ROOT, env=env, check=True)  # fmt: skip
        with psycopg.connect(url, autocommit=True) as conn:
            for _ in range(args.rounds):
                for variant in chosen:  # interleaved: each round runs every variant once
                    seed(conn, TABLES[variant], args.rows)
                    results[variant].append(run_variant(variant, env, url, args.batch_size))
            for size in [int(s) for s in args.flat.split(",") if s]:
                seed(conn, "testapp_retentionlog", size)
                flat[size] = run_variant("infra_cleanup", env, url, args.batch_size)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    raw = [r["work_seconds"] for r in results["raw_delete"]]
    print(f"{args.rows} expired + {args.rows // 10} fresh rows, {args.rounds} round(s)")
    print(f"{'variant':<14} {'work s':<16} {'x raw':<16} {'process s':<16} "
          f"{'peak RSS MB':<16} longest insert ms")  # fmt: skip
    for variant, runs in results.items():
        ratio = [round(r["work_seconds"] / b, 2) for r, b in zip(runs, raw, strict=True)]
        print(f"{variant:<14} {[r['work_seconds'] for r in runs]!s:<16} {ratio!s:<16} "
              f"{[r['seconds'] for r in runs]!s:<16} {[r['peak_rss_mb'] for r in runs]!s:<16} "
              f"{[r['longest_insert_ms'] for r in runs]}")  # fmt: skip
    medians = {v: statistics.median(r["work_seconds"] for r in runs) for v, runs in results.items()}
    for variant, median in medians.items():
        print(f"median work {variant}: {median:.2f}s = {median / medians['raw_delete']:.2f}x raw")
    for size, figures in flat.items():
        print(f"infra_cleanup at {size} expired rows: {figures}")
    print(json.dumps({"rows": args.rows, "results": results, "flat": flat}))


if __name__ == "__main__":
    main()
