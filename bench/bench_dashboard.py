"""The Infrastructure dashboard on PostgreSQL with 1M dead letters and 1M violation rows.

Beside it, the plain DLQ changelist (``/admin/infra_core/deadletter/``) on the same data, and the
dashboard again with its two indexes (migration 0005) dropped, to show what they buy.

Data: ``--rows`` DeadLetter rows over 50 task names and the four statuses (1 in 5 pending), and
``--rows`` RateLimitViolation rows over 20 scopes spread evenly over 30 days (so the dashboard's
24-hour window holds 1/30 of them). ``VACUUM ANALYZE`` after seeding, as autovacuum would.
Each page is fetched with Django's test client, logged in as a superuser, in one process;
variants are interleaved round by round. Reported: median and p90 wall time per page, queries per
page, and the plans of the dashboard's two aggregates.

Run: ``python tests/services.py -- python bench/bench_dashboard.py [--rows 1000000] [--rounds 15]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
INDEXES = {
    "infra_core_dl_task_status": "infra_core_deadletter (task_name, status)",
    "infra_core_rlv_window": "infra_core_ratelimitviolation (window_start, scope, count)",
}


def dsn(env: dict[str, str], name: str) -> str:
    host, port = env.get("INFRA_TEST_PG_HOST", "127.0.0.1"), env.get("INFRA_TEST_PG_PORT", "5432")
    return f"host={host} port={port} user=postgres dbname={name}"


def seed(conn: psycopg.Connection, rows: int) -> None:
    statuses = "(ARRAY['pending','replayed','discarded','resolved','resolved'])"
    conn.execute(
        "INSERT INTO infra_core_deadletter (task_name, task_id, args, kwargs, payload_truncated,"
        " exception_class, exception_message, traceback, attempts, queue, request_id,"
        " first_failed_at, last_failed_at, status, replayed_by, replayed_task_id, replay_of,"
        " closed_by, note) "
        "SELECT 'app.tasks.task_' || (g %% 50), 'tid-' || g, '[1, 2]', '{}', false,"
        " 'builtins.ValueError', 'boom', 'Traceback ...', 1, 'celery', md5(g::text),"
        " now() - (g %% 43200) * interval '1 minute', now() - (g %% 43200) * interval '1 minute',"
        f" {statuses}[1 + (g / 50) %% 5], '', '', '', '', '' FROM generate_series(1, %s) AS g",
        [rows],
    )
    conn.execute(
        "INSERT INTO infra_core_ratelimitviolation (scope, key_kind, key, key_digest, plan,"
        " window_start, rate, count, first_at, last_at, last_path, last_request_id) "
        "SELECT 'scope_' || (g %% 20), 'ip', '10.0.0.1', left(md5(g::text), 32), '',"
        " date_trunc('minute', now()) - (g %% 43200) * interval '1 minute', '100/m', 1 + g %% 7,"
        " now() - (g %% 43200) * interval '1 minute', now() - (g %% 43200) * interval '1 minute',"
        " '/api/', '' FROM generate_series(1, %s) AS g",
        [rows],
    )
    conn.execute("VACUUM ANALYZE infra_core_deadletter")
    conn.execute("VACUUM ANALYZE infra_core_ratelimitviolation")


CHILD = r"""
import json, statistics, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

rounds, variants = int(sys.argv[1]), sys.argv[2].split(",")
pages = {"dashboard": "/admin/infra_core/infrastructure/",
         "changelist": "/admin/infra_core/deadletter/"}
user = get_user_model().objects.filter(username="bench").first() or \
    get_user_model().objects.create_superuser("bench", "b@example.com", "pw")
client = Client()
client.force_login(user)
times = {v: [] for v in variants}
queries = {}
for v in variants:  # warm-up, and the query count
    with CaptureQueriesContext(connection) as captured:
        assert client.get(pages[v]).status_code == 200, v
    queries[v] = len(captured)
for _ in range(rounds):
    for v in variants:
        began = time.perf_counter()
        response = client.get(pages[v])
        times[v].append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
print("RESULT " + json.dumps({"times": times, "queries": queries}))
"""

PLANS = {
    "dlq by task and status": (
        "SELECT task_name, status, COUNT(*) AS n FROM infra_core_deadletter "
        "GROUP BY task_name, status ORDER BY n DESC LIMIT 1001"
    ),
    "blocks by scope and hour": (
        "SELECT scope, date_trunc('hour', window_start), SUM(count) FROM "
        "infra_core_ratelimitviolation WHERE window_start >= now() - interval '24 hours' "
        "GROUP BY 1, 2 LIMIT 1250"
    ),
}


def plans(conn: psycopg.Connection) -> dict[str, str]:
    found = {}
    for name, sql in PLANS.items():
        rows = conn.execute(
            f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}"
        ).fetchall()
        found[name] = "\n".join(r[0] for r in rows)
    return found


def run(env: dict[str, str], rounds: int, variants: list[str]) -> dict[str, Any]:
    args = [sys.executable, "-c", CHILD, str(rounds), ",".join(variants)]
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    raise SystemExit(f"bench child failed ({out.returncode}):\n{out.stderr[-3000:]}")


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(samples):8.1f} ms   p90 {p90:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per table")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    env = dict(os.environ)
    name = f"infra_bench_dashboard_{os.getpid()}"
    admin = dsn(env, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = dsn(env, name)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings", INFRA_TEST_DB="postgres", INFRA_TEST_PG_NAME=name,
        PYTHONPATH=str(ROOT), INFRA_TEST_INFRA_CORE=json.dumps(
            {"HEALTH_CHECKS": ["infra_core.health.probes.DatabaseCheck"]}
        ),
    )  # fmt: skip
    try:
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"],
                       cwd=ROOT, env=env, check=True)  # fmt: skip
        with psycopg.connect(url, autocommit=True) as conn:
            began = time.monotonic()
            seed(conn, args.rows)
            print(f"seeded {args.rows} + {args.rows} rows in {time.monotonic() - began:.0f}s")
            indexed = run(env, args.rounds, ["dashboard", "changelist"])
            indexed_plans = plans(conn)
            for index in INDEXES:
                conn.execute(f"DROP INDEX {index}")
            conn.execute("ANALYZE")
            bare = run(env, args.rounds, ["dashboard"])
            bare_plans = plans(conn)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    times = {"dashboard": indexed["times"]["dashboard"],
             "changelist (DLQ)": indexed["times"]["changelist"],
             "dashboard, 0005 indexes dropped": bare["times"]["dashboard"]}  # fmt: skip
    queries = {**indexed["queries"], "bare": bare["queries"]["dashboard"]}
    print(f"{args.rows} DeadLetter + {args.rows} RateLimitViolation rows, {args.rounds} rounds")
    for variant, samples in times.items():
        print(f"{variant:<34} {summary(samples)}")
    base = statistics.median(times["changelist (DLQ)"])
    for variant, samples in times.items():
        print(f"{variant:<34} {statistics.median(samples) / base:.2f}x the changelist")
    print(f"queries per page: {queries}")
    for label, found in (("with 0005 indexes", indexed_plans), ("without", bare_plans)):
        for plan_name, plan in found.items():
            print(f"\n-- plan {plan_name} ({label}):\n{plan}")
    print(json.dumps({"rows": args.rows, "times": times, "queries": queries}))


if __name__ == "__main__":
    main()
