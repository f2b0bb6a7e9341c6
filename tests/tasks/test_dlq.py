"""Dead-letter services, payload bounds and the context receivers (no worker needed)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from infra_core import context
from infra_core.metrics.definitions import DLQ_RECORDED
from infra_core.tasks import dlq, operations, receivers
from infra_core.tasks.models import DeadLetter
from infra_core.tasks.payload import TRUNCATED, bounded_payload, bounded_text


def test_bounded_payload_small_payload_is_kept_json_safe() -> None:
    args, kwargs, truncated, _ = bounded_payload((1, Decimal("2.5")), {"at": timezone.now()}, 1000)
    assert args[0] == 1
    assert args[1] == "Decimal('2.5')"  # repr, not a crash
    assert "datetime" in kwargs["at"]
    assert truncated is False


def test_bounded_payload_large_payload_becomes_a_marker_with_size_and_head() -> None:
    args, kwargs, truncated, _ = bounded_payload(["x" * 5000], {}, 1024)
    assert truncated is True
    (marker,) = args
    assert marker[TRUNCATED] is True
    assert marker["bytes"] > 5000
    assert marker["head"].startswith('[["xxx')
    assert kwargs == {}
    assert len(json.dumps([args, kwargs])) < 2000


def test_bounded_payload_unrepresentable_object_is_a_marker_not_an_error() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    args, _, truncated, _ = bounded_payload([Hostile()], {}, 1024)
    assert truncated is True
    assert "RuntimeError" in args[0]["error"]


def test_bounded_text_keeps_head_and_tail() -> None:
    text = "HEAD" + "." * 10_000 + "TAIL"
    short = bounded_text(text, 1000)
    assert short.startswith("HEAD")
    assert short.endswith("TAIL")
    assert "characters truncated" in short
    assert len(short) <= 1000
    assert bounded_text("short", 1000) == "short"


@pytest.mark.django_db
def test_record_is_idempotent_on_task_id() -> None:
    before = DLQ_RECORDED.labels(task="t.idem")._value.get()
    first = timezone.now() - timedelta(minutes=5)
    dlq.record(dlq.Failure(task_name="t.idem", task_id="abc", attempts=2, first_failed_at=first))
    dlq.record(dlq.Failure.from_exception(ValueError("again"), task_name="t.idem", task_id="abc"))
    (row,) = DeadLetter.objects.filter(task_id="abc")
    assert row.attempts == 2  # never goes down
    assert row.exception_class == "builtins.ValueError"
    assert row.exception_message == "again"
    assert row.first_failed_at == first
    assert row.last_failed_at > first
    assert DLQ_RECORDED.labels(task="t.idem")._value.get() == before + 1


@pytest.mark.django_db
def test_record_truncated_payload_cannot_be_replayed(settings: object) -> None:
    row = dlq.record(dlq.Failure(task_name="t.big", task_id="big", args=["y" * 100_000]))
    assert row.payload_truncated is True
    with pytest.raises(operations.ReplayRefused, match="truncated"):
        operations.replay(row.pk, actor="test")
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING


@pytest.mark.django_db
def test_record_json_round_trip_keeps_times() -> None:
    first = timezone.now() - timedelta(hours=1)
    failure = dlq.Failure(task_name="t.json", task_id="j1", args=[1], first_failed_at=first)
    row = dlq.record_json(json.loads(json.dumps(failure.as_json())))
    assert row.first_failed_at == first
    assert row.args == [1]


@pytest.mark.django_db
def test_discard_then_resolve_is_refused() -> None:
    row = dlq.record(dlq.Failure(task_name="t.c", task_id="c1"))
    operations.discard(row.pk, actor="ops", note="duplicate")
    with pytest.raises(operations.DeadLetterClosed, match="discarded"):
        operations.resolve(row.pk, actor="ops")
    row.refresh_from_db()
    assert (row.status, row.note, row.closed_by) == ("discarded", "duplicate", "ops")
    assert row.replayed_by == "" and row.closed_at is not None  # nobody replayed it


def test_publish_headers_copy_the_context_without_overwriting_explicit_ones() -> None:
    headers = {"infra_core_plan": "explicit"}
    with context.bind(request_id="rid-1", user_id="7", plan="pro"):
        receivers.add_context_headers(headers=headers)
    assert headers == {
        "infra_core_request_id": "rid-1",
        "infra_core_user_id": "7",
        "infra_core_plan": "explicit",
    }


def test_prerun_binds_published_context_and_postrun_restores_the_previous_one() -> None:
    class Request:
        infra_core_request_id = "rid-from-publisher"
        infra_core_user_id = None
        infra_core_plan = "pro"
        headers = None

    class FakeTaskShape:  # only the attribute the receiver reads; the signal passes the task
        request = Request()

    with context.bind(request_id="worker-own"):
        receivers.bind_task_context(task_id="t-1", task=FakeTaskShape())
        assert context.get_request_id() == "rid-from-publisher"
        assert context.get_plan() == "pro"
        assert context.get_task_id() == "t-1"
        receivers.reset_task_context(task_id="t-1")
        assert context.get_request_id() == "worker-own"
        assert context.get_task_id() is None


@pytest.mark.django_db
def test_sweep_lost_runs_task_dead_letters_stale_runs() -> None:
    from infra_core.tasks import runs
    from infra_core.tasks.recorder import sweep_lost_runs

    runs.start(task_id="lost-1", task_name="t.lost", retries=0, args=[], kwargs={}, queue="q",
               request_id="r", worker="w:1")  # fmt: skip
    assert sweep_lost_runs.apply(kwargs={"older_than": 3600}).get() == 0
    assert sweep_lost_runs.apply(kwargs={"older_than": 0}).get() == 1
    assert DeadLetter.objects.get(task_id="lost-1").exception_class == runs.LOST


@pytest.mark.django_db
def test_act_mixed_batch_reports_each_row_and_dry_run_changes_nothing() -> None:
    pending = dlq.record(dlq.Failure(task_name="t.a", task_id="a1"))
    closed = dlq.record(dlq.Failure(task_name="t.a", task_id="a2"))
    operations.discard(closed.pk, actor="ops")

    dry = operations.act([pending.pk, closed.pk, 999_999], "resolve", actor="ops", dry_run=True)
    assert [(o.pk, o.refused) for o in dry] == [
        (pending.pk, None),
        (closed.pk, "already discarded"),
        (999_999, "no such dead letter"),
    ]
    pending.refresh_from_db()
    assert pending.status == DeadLetter.Status.PENDING

    done = operations.act([pending.pk, closed.pk], "resolve", actor="ops", note="fixed by hand")
    assert [o.done for o in done] == [True, False]
    pending.refresh_from_db()
    assert (pending.status, pending.note) == ("resolved", "fixed by hand")
    with pytest.raises(ValueError, match="'purge'"):
        operations.act([pending.pk], "purge", actor="ops")


@pytest.mark.integration
def test_replay_race_between_many_admins_replays_once(transactional_db: None) -> None:
    """Eight threads replay one row at once: the compare-and-set lets exactly one through."""
    import threading
    import uuid

    import redis
    from django.db import connection

    from tests.celery_app import app

    if connection.vendor != "postgresql":
        pytest.skip("threads need a database shared across connections")
    queue = f"infra-test-race-{uuid.uuid4().hex[:8]}"
    row = dlq.record(dlq.Failure(task_name="t.race", task_id="race-1", queue=queue))
    results: list[str] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        barrier.wait(10)
        try:
            results.append(operations.replay(row.pk, actor="ops", app=app))
        except operations.ReplayRefused as exc:
            results.append(f"refused: {exc.reason}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    client = redis.Redis.from_url(app.conf.broker_url)
    try:
        assert client.llen(queue) == 1  # one message on the broker
    finally:
        client.delete(queue)
        client.close()
    replayed = [r for r in results if not r.startswith("refused")]
    assert len(results) == 8
    assert len(replayed) == 1
    assert set(results) - set(replayed) == {"refused: already replayed"}
    row.refresh_from_db()
    assert row.replayed_task_id == replayed[0]


@pytest.mark.django_db
def test_record_honours_the_payload_and_traceback_bounds(settings: object) -> None:
    from django.test import override_settings

    with override_settings(
        INFRA_CORE={"DLQ_MAX_PAYLOAD_BYTES": 1024, "DLQ_MAX_TRACEBACK_CHARS": 1000}
    ):
        small = dlq.record(dlq.Failure(task_name="t.b", task_id="b1", args=["x" * 900]))
        big = dlq.record(
            dlq.Failure(task_name="t.b", task_id="b2", args=["x" * 1100], traceback="t" * 5000)
        )
    assert small.payload_truncated is False
    assert big.payload_truncated is True
    assert len(big.traceback) <= 1000


def test_default_policy_reads_the_tasks_settings() -> None:
    from django.test import override_settings

    from infra_core.tasks.base import default_policy

    infra = {
        "TASKS_MAX_RETRIES": 5,
        "TASKS_RETRY_BACKOFF": 0.5,
        "TASKS_RETRY_BACKOFF_MAX": 3.0,
        "TASKS_RETRY_JITTER": 0,
    }
    with override_settings(INFRA_CORE=infra):
        policy = default_policy()
    assert policy.max_retries == 5
    assert [policy.delay(n) for n in range(4)] == [0.5, 1.0, 2.0, 3.0]


@pytest.mark.django_db
def test_sweep_default_age_is_tasks_stale_after() -> None:
    from django.test import override_settings

    from infra_core.tasks import runs

    runs.start(task_id="s1", task_name="t.s", retries=0, args=[], kwargs={}, queue="q",
               request_id="r", worker="w:1")  # fmt: skip
    with override_settings(INFRA_CORE={"TASKS_STALE_AFTER": 3600}):
        assert runs.sweep() == []
    with override_settings(INFRA_CORE={"TASKS_STALE_AFTER": 0.000001}):
        assert [r.task_id for r in runs.sweep()] == ["s1"]
