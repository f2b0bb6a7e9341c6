"""Load for the reliability suite: bounded wrk runs that count statuses, an exact Python client,
a task sender, and the figures the terminal summary prints."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import HOST
from tests.reliability.harness import TOKEN

LUA = Path(__file__).with_name("count.lua")

# Everything the run measured; tests/reliability/conftest.py prints it and writes the JSON file.
FIGURES: dict[str, Any] = {
    "requests_sent": 0,
    "responses_5xx": 0,
    "responses_503_documented": 0,
    "responses_429": 0,
    "socket_errors": 0,
    "faults_injected": [],
    "recovery_seconds": {},
    "rss_bytes": {},
    "tasks": {},
    "rate_limit": {},
    "metrics": {},
}


# Keys whose /enqueue/ request answered a 500: whether their row committed is unknown to the caller.
FAILED_KEYS: set[str] = set()


def add_counts(counts: dict[str, int]) -> None:
    FIGURES["requests_sent"] += counts.get("requests", 0)
    FIGURES["responses_5xx"] += counts.get("r5xx", 0)
    FIGURES["responses_503_documented"] += counts.get("r503doc", 0)
    FIGURES["responses_429"] += counts.get("r429", 0)
    FIGURES["socket_errors"] += counts.get("socket_errors", 0)


@dataclass
class Reply:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10) -> Reply:
    start = time.monotonic()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.read(), time.monotonic() - start)
    finally:
        conn.close()


def hit(port: int, path: str, n: int, threads: int = 8) -> Counter[int]:
    """Exactly ``n`` requests (every one answered), ``threads`` at a time; statuses counted."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        statuses = Counter(pool.map(lambda _: get(port, path).status, range(n)))
    add_counts(
        {
            "requests": n,
            "r5xx": sum(v for k, v in statuses.items() if k >= 500),
            "r429": statuses[429],
        }
    )
    return statuses


def metric_totals(port: int, family_name: str, suffix: str, label: str) -> dict[str, float]:
    """Samples of one family ending in ``suffix``, summed by ``label`` over the workers."""
    reply = get(port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert reply.status == 200, reply.body[:300]
    totals: Counter[str] = Counter()
    for family in text_string_to_metric_families(reply.body.decode()):
        if family.name == family_name:
            for sample in family.samples:
                if sample.name.endswith(suffix):
                    totals[sample.labels.get(label, "")] += sample.value
    return dict(totals)


def request_counts(port: int) -> dict[str, float]:
    """``infra_core_http_requests_total`` by route, summed over workers (multiprocess mode)."""
    return metric_totals(port, "infra_core_http_requests", "_total", "route")


def wrk_binary() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        pytest.skip("wrk is not installed (make bench-deps: apt-get install wrk)")
    return binary


@dataclass
class WrkRun:
    """A bounded wrk run in the background; ``result()`` waits and parses the status counts."""

    port: int
    paths: list[str]
    seconds: float
    connections: int = 8
    proc: subprocess.Popen[str] | None = None

    def start(self) -> WrkRun:
        self.proc = subprocess.Popen(
            [
                wrk_binary(), "-t", "2", "-c", str(self.connections), "-d", f"{self.seconds:g}s",
                "--timeout", "10s", "-s", str(LUA), f"http://{HOST}:{self.port}{self.paths[0]}",
            ],
            env={**os.environ, "REL_PATHS": ",".join(self.paths)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        return self

    def result(self) -> dict[str, int]:
        assert self.proc is not None
        out, _ = self.proc.communicate(timeout=self.seconds + 30)
        lines = [ln for ln in out.splitlines() if ln.startswith("RELSTATS ")]
        assert lines, f"wrk printed no counts:\n{out}"
        counts: dict[str, int] = json.loads(lines[-1].removeprefix("RELSTATS "))
        add_counts(counts)
        return counts

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@dataclass
class TaskSender:
    """Enqueue one uniquely keyed task every ``every`` seconds through the stack's /enqueue/."""

    port: int
    prefix: str
    every: float = 0.05
    fail_every: int = 10
    sleep: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    bodies: list[tuple[int, bytes]] = field(default_factory=list)
    sent: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> TaskSender:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        for i in range(10_000):  # bounded: stop() ends it much earlier
            if self.stopped.is_set():
                return
            fail = "1" if self.fail_every and i % self.fail_every == 0 else "0"
            path = f"/enqueue/?key={self.prefix}-{i}&fail={fail}&sleep={self.sleep}"
            try:
                reply = get(self.port, path)
            except OSError:
                self.statuses[0] += 1
                continue
            self.sent += 1
            self.statuses[reply.status] += 1
            if reply.status >= 500:
                self.bodies.append((reply.status, reply.body[:300]))
                if reply.status != 503:
                    FAILED_KEYS.add(f"{self.prefix}-{i}")
            time.sleep(self.every)

    def stop(self) -> Counter[int]:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(30)
        documented = sum(1 for _, b in self.bodies if b"job_queue_unavailable" in b)
        add_counts(
            {
                "requests": self.sent,
                "r5xx": sum(v for k, v in self.statuses.items() if k >= 500) - documented,
                "r503doc": documented,
                "socket_errors": self.statuses[0],
            }
        )
        return self.statuses


def wait_recovered(probe: Any, limit: float, settle: int = 3) -> float:
    """Seconds until ``probe()`` is true ``settle`` times in a row (polled every 0.1 s)."""
    start = time.monotonic()
    streak = 0
    while time.monotonic() - start < limit:
        try:
            streak = streak + 1 if probe() else 0
        except OSError:
            streak = 0
        if streak >= settle:
            return round(time.monotonic() - start, 2)
        time.sleep(0.1)
    raise AssertionError(f"not recovered within {limit}s")
