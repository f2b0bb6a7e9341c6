"""The reliability suite's stack (one per session) and the summary of its figures."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.conftest import ThrowawayRedis, free_port
from tests.reliability.harness import (
    ROOT,
    CeleryWorker,
    Database,
    Gunicorn,
    ProxyProcess,
    migrate,
    stack_env,
)
from tests.reliability.load import FIGURES

SUMMARY = ROOT / "artifacts" / "reliability-summary.json"


@dataclass
class Stack:
    workdir: Path
    db: Database
    cache: ThrowawayRedis
    proxy: ProxyProcess
    broker: ThrowawayRedis
    env: dict[str, str]
    web: Gunicorn
    worker: CeleryWorker
    extra: list[Any] = field(default_factory=list)

    def pids(self) -> list[int]:
        pids = [*self.web.pids(), *self.worker.pids(), *self.proxy.pids()]
        for server in (self.cache, self.broker):
            if server.proc is not None:
                pids.append(server.proc.pid)
        for other in self.extra:
            pids += other.pids()
        return pids


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    if os.environ.get("INFRA_TEST_DB") != "postgres":
        pytest.skip("the reliability suite runs on PostgreSQL (make test-reliability)")
    workdir = Path(tempfile.mkdtemp(prefix="infra-rel-"))
    db = Database()
    cache = ThrowawayRedis(port=free_port())
    broker_dir = workdir / "broker"
    broker_dir.mkdir()
    # The broker keeps its queue across a kill (append-only file, fsync on every write).
    broker = ThrowawayRedis(
        port=free_port(),
        args=["--appendonly", "yes", "--appendfsync", "always", "--dir", str(broker_dir)],
    )
    proxy: ProxyProcess | None = None
    web: Gunicorn | None = None
    worker: CeleryWorker | None = None
    stack: Stack | None = None
    db.create()
    try:
        cache.start()
        broker.start()
        proxy = ProxyProcess(cache.port)
        env = stack_env(db, proxy.url, broker.url)
        migrate(env, workdir / "migrate.log")
        db.setup_tables()
        web = Gunicorn(env, workdir)
        web.start()
        worker = CeleryWorker(env, workdir / "worker.log")
        worker.start()
        stack = Stack(workdir, db, cache, proxy, broker, env, web, worker)
        yield stack
    finally:
        leftovers = stack.pids() if stack is not None else []
        for server in [*(stack.extra if stack else []), worker, web]:
            if server is not None:
                server.stop()
        if proxy is not None:
            proxy.stop()
        broker.stop()
        cache.stop()
        db.drop()
        alive = [pid for pid in leftovers if psutil.pid_exists(pid) and _not_zombie(pid)]
        FIGURES["processes_left_after_teardown"] = alive
        if request.session.testsfailed:  # keep the servers' logs of a failed run to read
            print(f"reliability: workdir {workdir} (logs kept); processes left: {alive}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            print(f"reliability: workdir {workdir} removed; processes left: {alive}")


def _not_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES["requests_sent"] and not FIGURES["faults_injected"]:
        return
    SUMMARY.parent.mkdir(exist_ok=True)
    SUMMARY.write_text(json.dumps(FIGURES, indent=2, sort_keys=True) + "\n")
    write = terminalreporter.write_line
    terminalreporter.section("reliability summary")
    tasks = FIGURES["tasks"]
    write(
        f"requests sent {FIGURES['requests_sent']}, 5xx {FIGURES['responses_5xx']} "
        f"(of them 500s after a connection lost during COMMIT, docs/db.md: "
        f"{FIGURES.get('responses_500_commit_lost', 0)}) "
        f"(+ {FIGURES['responses_503_documented']} documented 503s), "
        f"429s {FIGURES['responses_429']}, socket errors {FIGURES['socket_errors']}"
    )
    if tasks:
        write(
            "tasks sent {sent}, applied {applied}, dead-lettered {dead_lettered}, "
            "lost {lost}, doubled {doubled} (redelivered and absorbed by the key: "
            "{redelivered}; refused at publish: {refused})".format(**tasks)
        )
    write(f"faults injected: {', '.join(FIGURES['faults_injected']) or 'none'}")
    for fault, seconds in FIGURES["recovery_seconds"].items():
        write(f"  recovered from {fault} in {seconds} s")
    for pid, (before, after) in FIGURES["rss_bytes"].items():
        write(f"worker {pid} RSS {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB")
    for name, value in {**FIGURES["rate_limit"], **FIGURES["metrics"]}.items():
        write(f"{name}: {value}")
    write(f"written to {SUMMARY.relative_to(ROOT)}")
