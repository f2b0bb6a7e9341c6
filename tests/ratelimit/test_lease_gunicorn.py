"""Leased mode across processes: two gunicorn masters (2 sync workers each) share one Redis.

P = 4 worker processes hold leases of L = 10 permits of one key limited to 100 per hour. The
documented bounds (docs/ratelimit.md, "Leased mode"): inside one window that starts with an
empty key, at most ``limit`` requests are admitted; a request is refused only once at least
``limit - (P - 1) x L`` were admitted. So a burst far over the limit admits between 70 and 100,
and a first burst of 60 (under 70) is admitted whole with one Redis call per lease, not per
request.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import redis

from tests.conftest import HOST, ThrowawayRedis, free_port, wait_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
LIMIT, LEASE, MASTERS, WORKERS = 100, 10, 2, 2
PROCESSES = MASTERS * WORKERS


@contextlib.contextmanager
def _master(tmp_path: Path, redis_url: str, name: str) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.ratelimit.lease_settings",
        "INFRA_TEST_LEASE_REDIS": redis_url,
        "INFRA_TEST_LEASE_LIMIT": str(LIMIT),
        "INFRA_TEST_LEASE_SIZE": str(LEASE),
        "INFRA_TEST_DB": "sqlite",
    }
    log = (tmp_path / f"gunicorn-{name}.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(WORKERS),
            "-k",
            "sync",
            "--graceful-timeout",
            "5",
            "-b",
            f"{HOST}:{port}",
            "tests.ratelimit.lease_wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_port(port, 30)
        deadline = time.monotonic() + 30
        while len(psutil.Process(proc.pid).children()) < WORKERS and time.monotonic() < deadline:
            time.sleep(0.1)
        yield port
    finally:
        children = (
            [c.pid for c in psutil.Process(proc.pid).children()] if proc.poll() is None else []
        )
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        for pid in children:
            if psutil.pid_exists(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()


def _get(port: int, client: str) -> tuple[int, int | None, int | None]:
    conn = http.client.HTTPConnection(HOST, port, timeout=20)
    try:
        conn.request("GET", "/leased/", headers={"X-Client": client})
        response = conn.getresponse()
        body = response.read()
        remaining = response.getheader("X-RateLimit-Remaining")
        pid = int(__import__("json").loads(body)["pid"]) if response.status == 200 else None
        return response.status, None if remaining is None else int(remaining), pid
    finally:
        conn.close()


def _burst(ports: list[int], client: str, count: int) -> list[tuple[int, int | None, int | None]]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(_get, ports[i % len(ports)], client) for i in range(count)]
        return [f.result(timeout=60) for f in futures]


def _evalsha_calls(client: redis.Redis) -> int:
    stats = client.info("commandstats").get("cmdstat_evalsha", {})
    return int(stats.get("calls", 0)) + int(stats.get("failed_calls", 0))


def test_two_gunicorn_masters_admit_within_the_lease_bound(tmp_path: Path) -> None:
    server = ThrowawayRedis(port=free_port())
    server.start()
    try:
        with (
            _master(tmp_path, server.url, "a") as port_a,
            _master(tmp_path, server.url, "b") as port_b,
        ):
            ports, client = [port_a, port_b], uuid.uuid4().hex
            direct = redis.Redis.from_url(server.url)
            floor = LIMIT - (PROCESSES - 1) * LEASE  # 70

            # Under the floor: every request admitted, about one Redis call per lease.
            started = time.monotonic()
            first = _burst(ports, client, 60)
            elapsed = time.monotonic() - started
            calls = _evalsha_calls(direct)
            assert [status for status, _, _ in first] == [200] * 60
            # A take per 10 permits per process, one more per process per second a lease
            # outlives (LEASE_SECONDS), and a first NOSCRIPT per process.
            allowed_calls = 60 // LEASE + PROCESSES * (math.ceil(elapsed) + 2)
            assert 60 // LEASE <= calls <= allowed_calls, (calls, elapsed)
            assert all(r is not None and 0 <= r < LIMIT for _, r, _ in first)
            served_by = {pid for _, _, pid in first}
            assert len(served_by) >= 2  # more than one process leased permits

            # Far over the limit: admitted within [limit - (P - 1) x L, limit].
            second = _burst(ports, client, 240)
            statuses = [status for status, _, _ in first + second]
            admitted = statuses.count(200)
            assert set(statuses) == {200, 429}
            print(f"lease: admitted {admitted}/{len(statuses)}, floor {floor}, calls {calls}")
            assert floor <= admitted <= LIMIT, admitted
            # Redis holds exactly what was stamped: never more than the limit.
            keys = list(direct.scan_iter(match="lease-test:*", count=100))
            assert len(keys) == 1
            assert admitted <= direct.zcard(keys[0]) <= LIMIT
    finally:
        server.stop()
