"""Acceptance of InfraTask in a real Celery worker process (Redis broker, PostgreSQL)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from infra_core import context
from infra_core.tasks.models import DeadLetter, TaskRun
from tests.tasks.conftest import Worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("purge_queue")]


def dead_letter(task_id: str, timeout: float = 30) -> DeadLetter:
    return wait_until(
        lambda: DeadLetter.objects.filter(task_id=task_id).first(), timeout, f"DLQ row {task_id}"
    )


def test_worker_success_carries_request_id_and_leaves_no_run(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks import add

    start_worker()
    with context.bind(request_id="req-success-1"):
        result = add.delay(2, 3)
    assert wait_until(lambda: cache.get("task-result:req-success-1"), 20, "task ran") == 5
    wait_until(lambda: not TaskRun.objects.filter(task_id=result.id).exists(), 10, "run removed")
    assert not DeadLetter.objects.filter(task_id=result.id).exists()


def test_worker_always_failing_task_retries_then_one_dlq_row_with_request_id(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks import always_fails

    worker = start_worker()
    rid = f"req-{uuid.uuid4().hex[:12]}"
    with context.bind(request_id=rid):
        result = always_fails.delay(42, note="gift")

    row = dead_letter(result.id)
    assert row.task_name == "tests.always_fails"
    assert row.args == [42]
    assert row.kwargs == {"note": "gift"}
    assert row.exception_class == "builtins.ValueError"
    assert row.exception_message == "card declined for order 42"
    assert "ValueError: card declined" in row.traceback
    assert row.attempts == 3  # the first run and max_retries=2
    assert row.request_id == rid
    assert row.status == DeadLetter.Status.PENDING
    assert row.first_failed_at < row.last_failed_at
    assert DeadLetter.objects.filter(task_name="tests.always_fails", request_id=rid).count() == 1
    wait_until(lambda: not TaskRun.objects.filter(task_id=result.id).exists(), 10, "run removed")

    # Growing delays: 0.3 s then 0.6 s between the three attempts (jitter=0).
    attempts = sorted(float(k.rsplit(":", 1)[1]) for k in cache.keys(f"attempt-at:{rid}:*"))
    assert len(attempts) == 3
    first_gap, second_gap = attempts[1] - attempts[0], attempts[2] - attempts[1]
    assert first_gap >= 0.3  # each retry waited at least its scheduled, doubling delay
    assert second_gap >= 0.6

    # Logs written inside the task carry the publishing request's id.
    charges = [line for line in worker.json_lines() if line.get("event") == "test.charge"]
    assert len(charges) == 3
    assert {line.get("request_id") for line in charges} == {rid}
    assert {line.get("task_id") for line in charges} == {result.id}


def test_worker_exception_outside_retry_on_dead_letters_at_once(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks import not_retried

    start_worker()
    result = not_retried.delay()
    row = dead_letter(result.id)
    assert row.exception_class == "builtins.KeyError"
    assert row.attempts == 1
    assert row.request_id  # a task published outside a request still gets an id


def test_worker_pool_process_killed_mid_task_is_redelivered_and_finishes(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks import sleep_once

    worker = start_worker()
    marker = uuid.uuid4().hex
    result = sleep_once.delay(marker, 30)
    first = wait_until(lambda: cache.get(f"sleep-once:{marker}"), 20, "task started")
    assert first in worker.children()
    import os
    import signal

    os.kill(int(first), signal.SIGKILL)
    done = wait_until(lambda: cache.get(f"sleep-once-done:{marker}"), 30, "redelivered run")
    assert done != first  # a new pool process ran it
    wait_until(lambda: not TaskRun.objects.filter(task_id=result.id).exists(), 10, "run removed")
    assert not DeadLetter.objects.filter(task_id=result.id).exists()


def test_worker_poison_task_is_dead_lettered_after_the_delivery_cap(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks import kill_worker

    start_worker(TASKS_MAX_DELIVERIES=2)
    marker = uuid.uuid4().hex
    result = kill_worker.delay(marker)
    row = dead_letter(result.id, timeout=60)
    assert row.exception_class == "infra_core.tasks.PoisonTaskError"
    assert "started 2 times" in row.exception_message
    assert cache.get(f"kills:{marker}") == 2  # killed its worker twice, then never ran again
    time.sleep(1.5)
    assert cache.get(f"kills:{marker}") == 2
    assert not TaskRun.objects.filter(task_id=result.id).exists()


def test_worker_killed_whole_is_swept_to_dlq_then_resolved_when_redelivered(
    start_worker: Callable[..., Worker], monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra_core.tasks import runs
    from tests.testapp.tasks import sleep_once

    monkeypatch.setenv("INFRA_TEST_VISIBILITY_TIMEOUT", "3")
    worker = start_worker()
    marker = uuid.uuid4().hex
    result = sleep_once.delay(marker, 30)
    wait_until(lambda: cache.get(f"sleep-once:{marker}"), 20, "task started")
    worker.kill_all()  # main process and pool: nobody is left to requeue the message

    (row,) = runs.sweep(older_than=0.0)
    assert row.task_id == result.id
    assert row.exception_class == "infra_core.tasks.WorkerLostError"
    assert row.args == [marker, 30]
    assert not TaskRun.objects.filter(task_id=result.id).exists()

    # The broker restores the unacknowledged message after its visibility timeout; a new worker
    # runs it to the end, and the "lost" dead letter resolves itself.
    time.sleep(3.5)
    start_worker()
    wait_until(lambda: cache.get(f"sleep-once-done:{marker}"), 40, "restored message ran")
    row.refresh_from_db()
    wait_until(
        lambda: DeadLetter.objects.get(pk=row.pk).status == DeadLetter.Status.RESOLVED,
        10,
        "swept row resolved",
    )


def test_worker_admin_replay_runs_the_task_and_a_second_replay_is_refused(
    start_worker: Callable[..., Worker], django_user_model: Any
) -> None:
    from django.test import Client

    from tests.testapp.tasks import replayable

    start_worker()
    marker = uuid.uuid4().hex
    failed = replayable.delay(marker)
    row = dead_letter(failed.id)
    assert row.exception_class == "builtins.RuntimeError"
    cache.set(f"fixed:{marker}", True, 120)  # the operator fixed the downstream problem

    django_user_model.objects.create_superuser("ops", "ops@example.com", "s3cret-pass!")
    client = Client(enforce_csrf_checks=False)
    login = client.post(
        "/admin/login/?next=/admin/", {"username": "ops", "password": "s3cret-pass!"}
    )
    assert login.status_code == 302  # a real login through the admin form
    changelist = "/admin/infra_core/deadletter/"
    action = {"action": "replay", "_selected_action": [str(row.pk)]}
    response = client.post(changelist, action)
    assert response.status_code == 302
    admin_request_id = response["X-Request-ID"]

    row.refresh_from_db()
    assert row.status == DeadLetter.Status.REPLAYED
    assert row.replayed_by == "ops"
    assert row.replayed_task_id and row.replayed_task_id != failed.id
    replay_rid = wait_until(lambda: cache.get(f"replayed-ok:{marker}"), 30, "replay ran")
    assert replay_rid == admin_request_id  # the replay carries the id of the admin request
    assert not DeadLetter.objects.filter(task_id=row.replayed_task_id).exists()

    again = client.post(changelist, action, follow=True)
    assert "already" in again.content.decode().lower() or "not pending" in again.content.decode()
    replayed_task_id = row.replayed_task_id
    row.refresh_from_db()
    assert row.replayed_task_id == replayed_task_id  # no second message


def test_worker_chained_tasks_keep_the_publishers_request_id(
    start_worker: Callable[..., Worker],
) -> None:
    from celery import chain

    from tests.testapp.tasks import note_context

    start_worker()
    marker = uuid.uuid4().hex
    with context.bind(request_id="req-chain-7"):
        chain(note_context.s(None, marker), note_context.s(marker), note_context.s(marker))()
    wait_until(lambda: len(cache.keys(f"context:{marker}:*")) == 3, 30, "three chained runs")
    seen = cache.get_many(cache.keys(f"context:{marker}:*"))
    assert set(seen.values()) == {"req-chain-7"}
    assert len(seen) == 3  # three task ids, one request id


def test_worker_tasks_track_runs_off_writes_no_run_row(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks import sleep_once

    start_worker(TASKS_TRACK_RUNS=False)
    marker = uuid.uuid4().hex
    result = sleep_once.delay(marker, 1.0)
    wait_until(lambda: cache.get(f"sleep-once:{marker}"), 20, "task started")
    assert not TaskRun.objects.filter(task_id=result.id).exists()  # mid-run: no bookkeeping
    wait_until(lambda: cache.get(f"sleep-once-done:{marker}"), 20, "task finished")
    assert not TaskRun.objects.exists()
