"""TaskRun bookkeeping on SQLite and PostgreSQL: the one-statement upsert and the ORM fallback."""

from __future__ import annotations

from typing import Any

import pytest

from infra_core.tasks import runs
from infra_core.tasks.models import DeadLetter, TaskRun

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["upsert", "orm"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "orm":
        monkeypatch.setattr(runs, "_can_upsert", lambda connection: False)
    return str(request.param)


def _start(task_id: str = "t1", retries: int = 0, **extra: Any) -> runs.Started:
    values = {"task_name": "x.y", "args": [1], "kwargs": {"a": "b"}, "queue": "q"}
    values.update(extra)
    return runs.start(task_id=task_id, retries=retries, request_id="rid", worker="w:1", **values)


def test_start_counts_deliveries_of_the_same_attempt(path: str) -> None:
    assert _start().deliveries == 1
    assert _start().deliveries == 2
    assert _start().deliveries == 3
    run = TaskRun.objects.get(task_id="t1")
    assert (run.deliveries, run.args, run.kwargs, run.state) == (3, [1], {"a": "b"}, "running")


def test_start_of_a_retry_resets_the_count_and_keeps_the_first_failure(path: str) -> None:
    _start()
    runs.waiting("t1")
    first = TaskRun.objects.get(task_id="t1").first_failed_at
    assert first is not None
    started = _start(retries=1)
    assert started.deliveries == 1
    assert started.first_failed_at == first
    run = TaskRun.objects.get(task_id="t1")
    assert (run.retries, run.state, run.first_failed_at) == (1, "running", first)


def test_finish_after_success_resolves_only_a_swept_dead_letter(path: str) -> None:
    _start("swept")
    (row,) = runs.sweep(older_than=0.0)
    assert row.exception_class == runs.LOST
    _start("other")
    runs.finish("other", resolve_swept=True)
    _start("swept")  # the broker restored the message: the same task id runs again
    runs.finish("swept")
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING  # a first-delivery success looks no further
    runs.finish("swept", resolve_swept=True)
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.RESOLVED
    assert not TaskRun.objects.exists()


def test_sweep_leaves_waiting_and_recent_runs_alone(path: str) -> None:
    _start("waiting")
    runs.waiting("waiting")
    _start("recent")
    assert runs.sweep(older_than=3600) == []
    assert [r.task_id for r in runs.sweep(older_than=0.0)] == ["recent"]
    assert TaskRun.objects.filter(task_id="waiting").exists()
