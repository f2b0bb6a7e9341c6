"""Faults injected into throwaway servers while the full stack is under load.

Per docs: the cache/rate-limit Redis paused, killed and black-holed (docs/ratelimit.md, outage
policy: fail-open scopes answer, the fail-closed scope answers 429; docs/health.md: /ready/ 503
within its deadline, since a fail-closed scope makes the cache check critical; docs/cache.md:
computed directly); the app's PostgreSQL connections terminated (atomic_with_retry, docs/db.md);
the broker killed (503 job_queue_unavailable, docs/tasks.md, publishing when the broker is down);
the Celery worker SIGKILLed or stopped (redelivery, docs/tasks.md, lost workers). Then every task
sent is reconciled against the ledger and the dead letters.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.reliability.conftest import Stack
from tests.reliability.harness import server_errors
from tests.reliability.load import FAILED_KEYS, FIGURES, TaskSender, WrkRun, get, wait_recovered

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

REDIS_PATHS = ["/ping/", "/cached/?n=3", "/relopen/", "/relclosed/", "/write/", "/ready/"]
HEALTH_DEADLINE = 3 * 2.0  # HEALTH_TIMEOUT (2 s) with 3x headroom
RECOVERY_LIMIT = 30.0  # breaker cooldown 5 s + health cache 2 s, with generous headroom


def _redis_recovered(stack: Stack) -> Callable[[], bool]:
    def probe() -> bool:
        ready = get(stack.web.port, "/ready/")
        closed = get(stack.web.port, "/relclosed/")
        return (
            ready.status == 200 and ready.json().get("status") == "healthy" and closed.status == 200
        )

    return probe


def _ready_unhealthy_within_deadline(stack: Stack) -> dict[str, Any]:
    """During the outage /ready/ answers its documented 503 within the deadline (polled)."""
    seen: dict[str, Any] = {}
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        reply = get(stack.web.port, "/ready/")
        assert reply.seconds < HEALTH_DEADLINE, f"/ready/ took {reply.seconds:.2f}s"
        seen = {"status": reply.status, "seconds": round(reply.seconds, 2), "body": reply.body}
        if reply.status == 503:
            assert b"health_unhealthy" in reply.body, reply.body[:300]
            return seen
        time.sleep(0.2)
    raise AssertionError(f"/ready/ never reported the outage: {seen}")


def _during_redis_outage(stack: Stack) -> None:
    _ready_unhealthy_within_deadline(stack)
    closed = get(stack.web.port, "/relclosed/")
    assert closed.status == 429 and b"rate_limited" in closed.body, closed  # fail closed
    for path in ("/relprobe/", "/ping/"):  # /relprobe/: a fail-open scope the load never fills
        reply = get(stack.web.port, path)
        assert reply.status == 200, (path, reply)  # fail open
    cached = get(stack.web.port, "/cached/?n=7")
    assert cached.status == 200 and cached.json() == {"n": 7, "squared": 49}, cached


def run_fault(
    stack: Stack,
    slug: str,
    name: str,
    inject: Callable[[], None],
    heal: Callable[[], None],
    recovered: Callable[[], bool],
    *,
    paths: list[str],
    hold: float = 3.0,
    during: Callable[[Stack], None] | None = None,
    sender_sleep: float = 0.0,
    sender_every: float = 0.05,
    from_injection: bool = False,
    commit_loss_allowed: bool = False,
) -> dict[str, Any]:
    errors_before = len(server_errors(stack.web.log))
    wrk = WrkRun(stack.web.port, paths, seconds=hold + 9).start()
    sender = TaskSender(stack.web.port, prefix=slug, sleep=sender_sleep, every=sender_every)
    sender.start()
    try:
        time.sleep(1.5)
        FIGURES["faults_injected"].append(name)
        injected = time.monotonic()
        inject()
        if during is not None:
            during(stack)
        time.sleep(max(0.0, hold - (time.monotonic() - injected)))
        heal()
        seconds = wait_recovered(recovered, RECOVERY_LIMIT)
        if from_injection:  # e.g. a lost worker: from the kill, replacement start included
            seconds = round(time.monotonic() - injected, 2)
        FIGURES["recovery_seconds"][name] = seconds
        print(f"{name}: recovered in {seconds}s")
    finally:
        counts = wrk.result()
        statuses = sender.stop()
    print(f"{name}: wrk {counts}, task sender {dict(statuses)}")
    # A 500 is allowed in one documented case only: the connection was lost during COMMIT, so
    # atomic_with_retry cannot know whether it committed and does not retry (docs/db.md).
    errors = server_errors(stack.web.log)[errors_before:]
    commit_lost = [e for e in errors if _commit_lost(e)] if commit_loss_allowed else []
    FIGURES["responses_500_commit_lost"] = FIGURES.get("responses_500_commit_lost", 0) + len(
        commit_lost
    )
    fivexx = counts["r5xx"] + sum(v for k, v in statuses.items() if k >= 500 and k != 503)
    assert fivexx == len(commit_lost), [e.get("exc_info", "")[-600:] for e in errors][:3]
    assert len(errors) == len(commit_lost), [e.get("exc_info", "")[-600:] for e in errors][:3]
    assert counts["other"] == 0 and counts["socket_errors"] == 0, counts
    undocumented = [b for st, b in sender.bodies if st == 503 and b"job_queue_unavailable" not in b]
    assert not undocumented, undocumented[:3]
    return {"wrk": counts, "sender": statuses}


def _commit_lost(record: dict[str, Any]) -> bool:
    text = str(record.get("exc_info", ""))
    # Lost at COMMIT: the socket closed, or the server's FATAL 57P01 as the answer to COMMIT (a
    # synchronous standby can make that follow a local commit, so infra_core never retries it).
    return "in _commit" in text and (
        "server closed the connection" in text
        or "terminating connection due to administrator command" in text
    )


def test_fault_redis_paused_longer_than_socket_timeout(stack: Stack) -> None:
    pid = stack.cache.proc.pid  # type: ignore[union-attr]
    try:
        run_fault(
            stack,
            "sigstop",
            "redis SIGSTOP 4s",
            lambda: os.kill(pid, signal.SIGSTOP),
            lambda: os.kill(pid, signal.SIGCONT),
            _redis_recovered(stack),
            paths=REDIS_PATHS,
            hold=4.0,
            during=_during_redis_outage,
        )
    finally:
        os.kill(pid, signal.SIGCONT)


def test_fault_redis_killed_and_restarted_on_the_same_port(stack: Stack) -> None:
    run_fault(
        stack,
        "rediskill",
        "redis killed, restarted on its port",
        stack.cache.stop,
        stack.cache.start,
        _redis_recovered(stack),
        paths=REDIS_PATHS,
        during=_during_redis_outage,
    )


def test_fault_redis_black_holed(stack: Stack) -> None:
    try:
        run_fault(
            stack,
            "blackhole",
            "redis black-holed (accepts, never answers)",
            stack.proxy.blackhole,
            stack.proxy.heal,
            _redis_recovered(stack),
            paths=REDIS_PATHS,
            hold=4.0,
            during=_during_redis_outage,
        )
    finally:
        stack.proxy.heal()


def test_fault_postgres_connections_terminated_mid_load(stack: Stack) -> None:
    terminated: list[int] = []

    def inject() -> None:
        for _ in range(4):  # bounded: four rounds, 0.6 s apart, during the load
            terminated.append(stack.db.terminate_app_backends())
            time.sleep(0.6)

    run_fault(
        stack,
        "pgterm",
        "postgres backends terminated x4",
        inject,
        lambda: None,
        lambda: get(stack.web.port, "/write/").status == 200,
        paths=["/write/", "/ping/", "/write/", "/cached/?n=4", "/ready/"],
        commit_loss_allowed=True,
    )
    print(f"pg_terminate_backend: {terminated} connections per round")
    assert sum(terminated) > 0, "no connection of the stack was terminated: the fault was not real"


def test_fault_broker_killed_and_restarted(stack: Stack) -> None:
    probes = iter(range(1000))

    def enqueued() -> bool:
        return get(stack.web.port, f"/enqueue/?key=brokerprobe-{next(probes)}").status == 202

    result = run_fault(
        stack,
        "broker",
        "broker killed, restarted on its port",
        stack.broker.stop,
        stack.broker.start,
        enqueued,
        paths=["/ping/", "/cached/?n=5", "/relopen/"],
    )
    assert result["sender"][503] > 0, "no publish was refused: the broker outage was not real"
    # The worker must consume again. kombu's Redis transport can crash the worker while it
    # restores unacked messages on a dead connection ("'NoneType' object has no attribute
    # 'hostname'" in _connparams, an upstream bug): then it is restarted, as a supervisor would.
    worker = stack.worker
    assert worker.proc is not None
    if worker.proc.poll() is not None:
        log = worker.log_path.read_text(errors="replace")
        assert "object has no attribute 'hostname'" in log, log[-3000:]
        FIGURES["worker_crashed_on_broker_loss_kombu"] = (
            FIGURES.get("worker_crashed_on_broker_loss_kombu", 0) + 1
        )
        worker.start()
    assert get(stack.web.port, "/enqueue/?key=brokerafter-0").status == 202

    def applied() -> bool:
        return bool(stack.db.query("SELECT 1 FROM rel_ledger WHERE key = 'brokerafter-0'"))

    seconds = wait_recovered(applied, 60, settle=1)
    FIGURES["recovery_seconds"]["broker: a task sent after the restart applied within"] = seconds


def _running_tasks(stack: Stack) -> int:
    (n,) = stack.db.query("SELECT count(*) FROM infra_core_taskrun WHERE state = 'running'")[0]
    return int(n)


def _caught_up(stack: Stack, prefix: str, since: list[float]) -> Callable[[], bool]:
    """Every key of this phase sent before the fault is applied or dead-lettered."""

    def probe() -> bool:
        (pending,) = stack.db.query(
            "SELECT count(*) FROM rel_sent s WHERE s.key LIKE %s AND s.state = 'sent' "
            "AND s.at < to_timestamp(%s) "
            "AND NOT EXISTS (SELECT 1 FROM rel_ledger l WHERE l.key = s.key) "
            "AND NOT EXISTS (SELECT 1 FROM infra_core_deadletter d WHERE d.task_id = s.key)",
            (f"{prefix}-%", since[0]),
        )[0]
        return bool(pending == 0)

    return probe


def _worker_fault(stack: Stack, slug: str, name: str, fault: Callable[[], None]) -> None:
    at: list[float] = []
    running: list[int] = []

    def inject() -> None:
        # Strike while a task is running (bounded wait). The count that ends the wait is the one
        # recorded: asking again would race the 0.2 s task, which may have finished meanwhile.
        deadline = time.monotonic() + 5
        seen = _running_tasks(stack)
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
            seen = _running_tasks(stack)
        running.append(seen)
        at.append(time.time())
        fault()

    run_fault(
        stack, slug, name, inject, lambda: None, _caught_up(stack, slug, at),
        paths=["/ping/", "/cached/?n=6"], sender_sleep=0.2, sender_every=0.25, hold=1.0,
        from_injection=True,
    )  # fmt: skip
    assert running[0] > 0, "no task was running when the fault struck"


def test_fault_worker_sigkilled_while_running_tasks(stack: Stack) -> None:
    def fault() -> None:
        stack.worker.kill_all()  # main process and pool: a lost node
        time.sleep(1)
        stack.worker.start()  # the supervisor's replacement

    _worker_fault(stack, "worker", "worker SIGKILLed whole, tasks running", fault)


def test_fault_pool_process_sigkilled_while_running_a_task(stack: Stack) -> None:
    def fault() -> None:
        # The pool process running a task (TaskRun.worker is "hostname:pid"); the main one stays.
        rows = stack.db.query("SELECT worker FROM infra_core_taskrun WHERE state = 'running'")
        pids = {int(w.rsplit(":", 1)[1]) for (w,) in rows} & set(stack.worker.pool())
        os.kill(min(pids) if pids else stack.worker.pool()[0], signal.SIGKILL)

    _worker_fault(stack, "pool", "pool process SIGKILLed mid-task", fault)


def test_fault_worker_sigterm_warm_shutdown_while_processing(stack: Stack) -> None:
    def fault() -> None:
        stack.worker.stop()  # SIGTERM: finish the running tasks, then exit
        stack.worker.start()

    _worker_fault(stack, "sigterm", "worker SIGTERM (warm shutdown) mid-stream", fault)


def _reconcile(stack: Stack) -> dict[str, Any]:
    """Every key sent: applied once (ledger row) xor exactly one DeadLetter row."""
    rows = stack.db.query(
        "SELECT s.key, s.state, s.fail, l.deliveries, "
        "(SELECT count(*) FROM infra_core_deadletter d WHERE d.task_id = s.key), "
        "(SELECT max(d.exception_class) FROM infra_core_deadletter d WHERE d.task_id = s.key) "
        "FROM rel_sent s LEFT JOIN rel_ledger l ON l.key = s.key"
    )
    # A request that answered 500 before publishing (its COMMIT lost) left a row it never sent.
    unsent = [
        r
        for r in rows
        if r[1] == "publishing" and r[0] in FAILED_KEYS and r[3] is None and not r[4]
    ]
    sent = [r for r in rows if r[1] != "refused" and r not in unsent]
    figures = {
        "answered_500_before_publish": len(unsent),
        "sent": len(sent),
        "refused": sum(1 for r in rows if r[1] == "refused"),
        "applied": sum(1 for r in sent if r[3] is not None),
        "dead_lettered": sum(1 for r in sent if r[4]),
        "lost": sum(1 for r in sent if r[3] is None and not r[4]),
        "doubled": sum(1 for r in sent if (r[3] is not None and r[4]) or r[4] > 1),
        "redelivered": sum(1 for r in sent if (r[3] or 0) > 1),
        "applied_although_refused": sum(1 for r in rows if r[1] == "refused" and r[3]),
        "planned_failures": sum(1 for r in sent if r[2]),
        "planned_failure_applied": sum(1 for r in sent if r[2] and r[3] is not None),
        "unplanned_dead_letters": sorted({r[5] for r in sent if r[4] and not r[2]}),
        "lost_keys": [(r[0], r[1]) for r in sent if r[3] is None and not r[4]][:10],
    }
    return figures


def test_reconciliation_every_task_sent_is_applied_once_or_one_dead_letter(stack: Stack) -> None:
    sender = TaskSender(stack.web.port, prefix="final").start()
    time.sleep(2)  # a batch of its own, so this test means something when run alone
    statuses = sender.stop()
    assert statuses[202] > 0, statuses
    deadline = time.monotonic() + 90
    figures = _reconcile(stack)
    while figures["lost"] and time.monotonic() < deadline:  # drain: bounded in time
        time.sleep(0.5)
        figures = _reconcile(stack)
    FIGURES["tasks"] = figures
    print(f"reconciliation: {figures}")
    assert figures["sent"] > 0
    assert figures["lost"] == 0, figures
    assert figures["doubled"] == 0, figures
    assert figures["applied_although_refused"] == 0, figures
    assert figures["planned_failure_applied"] == 0, figures
    assert figures["applied"] + figures["dead_lettered"] == figures["sent"], figures
    assert figures["dead_lettered"] >= figures["planned_failures"], figures
