"""Multiprocess metrics under a real gunicorn with 2 workers (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import signal
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import HOST, free_port, wait_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-test-token-0123456789"


@dataclass
class Gunicorn:
    port: int
    proc: subprocess.Popen[bytes]

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def workers(self) -> set[int]:
        return {c.pid for c in psutil.Process(self.proc.pid).children() if c.is_running()}

    def route_count(self, route: str) -> float:
        return sum(value for labels, value in self.samples() if labels.get("route") == route)

    def samples(self) -> list[tuple[dict[str, str], float]]:
        status, body = self.request("GET", "/metrics", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200, body[:200]
        found = []
        for family in text_string_to_metric_families(body.decode()):
            if family.name == "infra_core_http_requests":
                found += [(s.labels, s.value) for s in family.samples if s.name.endswith("_total")]
        return found


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[Gunicorn]:
    with _gunicorn(tmp_path) as server:
        yield server


@contextlib.contextmanager
def _gunicorn(tmp_path: Path, *extra: str) -> Iterator[Gunicorn]:
    port = free_port()
    mpdir = tmp_path / "prom"
    mpdir.mkdir()
    (mpdir / "counter_999999.db").write_bytes(b"stale file from a previous run")
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(mpdir),
        "DJANGO_SETTINGS_MODULE": "tests.metrics.gunicorn_settings",
        "INFRA_TEST_DB": "sqlite",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "tests/metrics/gunicorn_conf.py"),
            "-b",
            f"{HOST}:{port}",
            *extra,
            "tests.metrics.gunicorn_wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Gunicorn(port, proc)
    try:
        wait_port(port, 30)
        deadline = time.monotonic() + 30
        while len(server.workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        yield server
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


def _hit_pid(server: Gunicorn, n: int) -> set[int]:
    def one(_: int) -> int:
        status, body = server.request("GET", "/pid/")
        assert status == 200
        return int(body)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return set(pool.map(one, range(n)))


def test_gunicorn_multiprocess_counts_every_request_across_workers(gunicorn: Gunicorn) -> None:
    pids = _hit_pid(gunicorn, 1000)
    assert len(pids) == 2, f"requests were not spread across workers: {pids}"
    assert gunicorn.route_count("pid") == 1000


def test_gunicorn_metrics_without_token_answers_401(gunicorn: Gunicorn) -> None:
    status, body = gunicorn.request("GET", "/metrics")
    assert status == 401 and b"infra_core_http" not in body


def test_gunicorn_master_start_wipes_stale_files(gunicorn: Gunicorn, tmp_path: Path) -> None:
    assert not (tmp_path / "prom" / "counter_999999.db").exists()


def test_gunicorn_killed_worker_is_replaced_and_counter_keeps_total(gunicorn: Gunicorn) -> None:
    _hit_pid(gunicorn, 1000)
    assert gunicorn.route_count("pid") == 1000
    victim = min(gunicorn.workers())
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = gunicorn.workers()
        if victim not in workers and len(workers) == 2:
            break
        time.sleep(0.1)
    assert victim not in gunicorn.workers() and len(gunicorn.workers()) == 2
    assert gunicorn.route_count("pid") == 1000
    _hit_pid(gunicorn, 100)
    assert gunicorn.route_count("pid") == 1100


def test_gunicorn_dead_worker_files_are_folded_into_archive(
    gunicorn: Gunicorn, tmp_path: Path
) -> None:
    _hit_pid(gunicorn, 200)
    victim = min(gunicorn.workers())
    os.kill(victim, signal.SIGKILL)
    mpdir = tmp_path / "prom"
    deadline = time.monotonic() + 30
    while (mpdir / f"counter_{victim}.db").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (mpdir / f"counter_{victim}.db").exists()
    assert (mpdir / "counter_archive.db").exists()
    assert gunicorn.route_count("pid") == 200


def test_gunicorn_random_paths_and_methods_add_no_label_values(gunicorn: Gunicorn) -> None:
    for method in ("GET", "POST", "PUT", "BREW"):  # one unknown-route series per method kind
        assert gunicorn.request(method, f"/warm/{method}")[0] == 404
    gunicorn.samples()  # the scrape route's own series exists from here on
    before = {tuple(sorted(labels.items())) for labels, _ in gunicorn.samples()}
    rng = random.Random(6)

    def one(i: int) -> int:
        method = rng.choice(
            ["GET", "POST", "PUT", "".join(rng.choices(string.ascii_uppercase, k=7))]
        )
        path = "/" + "".join(rng.choices(string.ascii_lowercase + string.digits, k=12)) + f"/{i}"
        return gunicorn.request(method, path)[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = set(pool.map(one, range(1000)))
    assert statuses == {404}, statuses
    after = {tuple(sorted(labels.items())) for labels, _ in gunicorn.samples()}
    assert after - before == set()


def test_gunicorn_recycled_workers_keep_total_and_bound_files(tmp_path: Path) -> None:
    with _gunicorn(tmp_path, "--max-requests", "40") as server:
        seen: set[int] = set()
        for _ in range(10):  # 10 x 50 requests: each worker is recycled several times
            seen |= _hit_pid(server, 50)
        assert len(seen) > 4, f"workers were not recycled: {seen}"
        assert server.route_count("pid") == 500
        files = sorted(p.name for p in (tmp_path / "prom").glob("*.db"))
    # Two live workers' counter + histogram files plus the archives, however many generations.
    assert len(files) <= 6, files
