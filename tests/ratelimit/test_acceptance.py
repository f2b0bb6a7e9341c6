"""Acceptance: exactness across real processes, re-admission, no burst across a boundary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from django_redis import get_redis_connection

from infra_core.ratelimit.decision import redis_key
from infra_core.ratelimit.rates import Rate
from tests.ratelimit.conftest import admitted_times, certainly_within

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, THREADS, PER_THREAD = 2, 8, 10


def _start_at(algorithm: str) -> float:
    start = time.time() + 4
    if algorithm == "counter" and start % 60 > 45:
        # The counter is exact within one fixed 60 s window (Redis TIME // 60): keep the burst
        # (about a second) inside one instead of straddling a boundary, where it is an estimate.
        start += 61 - start % 60
    return start


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["log", "counter"])
def test_hammer_two_processes_eight_threads_admit_exactly_limit(
    client_id: str, algorithm: str
) -> None:
    start_at = str(_start_at(algorithm))
    infra = json.loads(os.environ.get("INFRA_TEST_INFRA_CORE", "{}"))
    env = {
        **os.environ,
        "INFRA_TEST_INFRA_CORE": json.dumps({**infra, "RATELIMIT_ALGORITHM": algorithm}),
    }
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.ratelimit.hammer",
                client_id,
                str(THREADS),
                str(PER_THREAD),
                start_at,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    rows: list[dict[str, object]] = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err.decode()[-2000:]
            rows.extend(json.loads(out.decode().strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    allowed = [r for r in rows if r["status"] == 200]
    blocked = [r for r in rows if r["status"] != 200]
    assert len(rows) == PROCESSES * THREADS * PER_THREAD
    assert len(allowed) == 100
    # Atomic counting: each remaining value 99..0 was handed out exactly once.
    assert sorted(int(str(r["remaining"])) for r in allowed) == list(range(100))
    assert {r["status"] for r in blocked} == {429}
    assert {(r["limit"], r["remaining"], r["code"]) for r in blocked} == {
        ("100", "0", "rate_limited")
    }
    assert all(1 <= int(str(r["retry_after"])) <= 60 for r in blocked)
    # The processes counted with the algorithm asked for: a hash of two counters, or the log.
    key = redis_key("default", "hammer", f"header:x-client:{client_id}", Rate(100, 60), algorithm)
    assert get_redis_connection("default").type(key) == (
        b"hash" if algorithm == "counter" else b"zset"
    )


@pytest.mark.urls("tests.ratelimit.urls")
@pytest.mark.slow
def test_sliding_window_readmits_after_window(client: Client, client_id: str) -> None:
    first = [client.get("/short/", HTTP_X_CLIENT=client_id).status_code for _ in range(6)]
    time.sleep(2.2)  # the 5/2s window has slid past every admitted request
    second = [client.get("/short/", HTTP_X_CLIENT=client_id).status_code for _ in range(6)]
    assert first == second == [200] * 5 + [429]


@pytest.mark.urls("tests.ratelimit.urls")
@pytest.mark.slow
def test_sliding_window_no_double_burst_across_boundary(client: Client, client_id: str) -> None:
    admitted = admitted_times(client, client_id, seconds=4.5, pause=0.03)
    # No 6 admissions certainly within 1.9 s of each other (2 s window minus clock-jitter
    # tolerance; send and answer times bound each decision); a fixed window admits 10 within
    # a few hundred ms around its boundary.
    assert certainly_within(admitted, 1.9) <= 5
    assert len(admitted) >= 10  # and it kept admitting as the window slid
