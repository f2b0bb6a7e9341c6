"""Per-task cost in a real worker: a plain Celery task beside InfraTask, one run.

Variants (each with a fresh ``celery worker -P solo`` process, Redis broker, PostgreSQL):

* ``celery``: ``@app.task(acks_late=True)``: the baseline (infra_core's context receivers are
  connected, as in any project that installs infra_core);
* ``infra_untracked``: ``InfraTask`` with ``TASKS_TRACK_RUNS = False`` (policy, hooks, metrics);
* ``infra``: ``InfraTask`` with the defaults (a ``TaskRun`` upsert at start and a delete at the
  end: the delivery cap and the sweeper). Celery's Django fixup closes every database connection
  before and after each task, so each task also opens a new PostgreSQL connection;
* ``infra_db_reuse``: the same with ``CELERY_DB_REUSE_MAX = 1000`` (connections kept).

N messages are queued first, then the worker drains them; the first and the last task read Redis
``TIME``, so the span is the worker's own. Reported: µs per task, and the ratio to ``celery``.

Run: ``python tests/services.py -- python bench/bench_tasks.py [--n 1000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# variant -> (task, INFRA_CORE overrides, CELERY_DB_REUSE_MAX or 0 for Celery's default)
VARIANTS: dict[str, tuple[str, dict[str, object], int]] = {
    "celery": ("bench.plain", {}, 0),
    "infra_untracked": ("bench.infra", {"TASKS_TRACK_RUNS": False}, 0),
    "infra": ("bench.infra", {}, 0),
    "infra_db_reuse": ("bench.infra", {}, 1000),
}


def _database(env: dict[str, str]) -> str:
    import psycopg

    name = f"infra_bench_{os.getpid()}"
    dsn = (
        f"host={env.get('INFRA_TEST_PG_HOST', '127.0.0.1')} "
        f"port={env.get('INFRA_TEST_PG_PORT', '5432')} user=postgres dbname=postgres"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop(env: dict[str, str], name: str) -> None:
    import psycopg

    dsn = (
        f"host={env.get('INFRA_TEST_PG_HOST', '127.0.0.1')} "
        f"port={env.get('INFRA_TEST_PG_PORT', '5432')} user=postgres dbname=postgres"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_variant(variant: str, n: int, env: dict[str, str]) -> float:
    task_name, infra, reuse = VARIANTS[variant]
    queue = f"infra-bench-{uuid.uuid4().hex[:8]}"
    key = f"infra-bench:{queue}"
    worker_env = {
        **env,
        "INFRA_TEST_INFRA_CORE": json.dumps(infra),
        "INFRA_TEST_DB_REUSE_MAX": str(reuse),
    }
    code = (
        "import sys; from bench.celery_bench_app import app, COUNTER\n"
        f"for _ in range({n}): app.send_task({task_name!r}, args=[{key!r}, {n}], queue={queue!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=worker_env, check=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bench.celery_bench_app", "worker", "-P", "solo",
         "-Q", queue, "-n", f"{queue}@127.0.0.1", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=ROOT, env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import redis

        client = redis.Redis.from_url(env["CELERY_BROKER_URL"])
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not client.get(f"{key}:end"):
            time.sleep(0.2)
        start, end = client.get(f"{key}:start"), client.get(f"{key}:end")
        if start is None or end is None:
            raise SystemExit(f"{variant}: the worker did not finish {n} tasks in 300 s")
        client.delete(f"{key}:start", f"{key}:end", f"{key}:count", queue)
        return (float(end) - float(start)) / (n - 1) * 1e6
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ)
    redis_url = env.get("INFRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        INFRA_TEST_DB="postgres",
        CELERY_BROKER_URL=redis_url.rsplit("/", 1)[0] + "/3",
        INFRA_TEST_BROKER_URL=redis_url.rsplit("/", 1)[0] + "/3",
        PYTHONPATH=str(ROOT),
    )
    name = _database(env)
    env["INFRA_TEST_PG_NAME"] = name
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                       check=True)  # fmt: skip
        results: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for _ in range(args.rounds):
            for variant in VARIANTS:
                results[variant].append(run_variant(variant, args.n, env))
    finally:
        _drop(env, name)
    out: dict[str, Any] = {"n": args.n, "us_per_task": {}, "ratio_to_celery": {}}
    for variant, values in results.items():
        out["us_per_task"][variant] = [round(v, 1) for v in values]
        out["ratio_to_celery"][variant] = [
            round(v / b, 2) for v, b in zip(values, results["celery"], strict=True)
        ]
    print(f"{'variant':<22} {'µs/task per round':<30} ratio to plain celery")
    for variant in VARIANTS:
        print(
            f"{variant:<22} {out['us_per_task'][variant]!s:<30} {out['ratio_to_celery'][variant]}"
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
