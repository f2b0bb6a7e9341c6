"""Catalogue A (Celery delivery, retries, DLQ) and Q-08, in a real worker where it says C."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.test import Client
from django.urls import path

from infra_core.tasks import runs
from infra_core.tasks.models import DeadLetter, TaskRun
from tests.conftest import JsonLogCapture, free_port
from tests.tasks.conftest import Worker, purge_queue, start_worker, wait_until
from tests.testapp.models_db import Account

__all__ = ["purge_queue", "start_worker"]


def _dead_letter(task_id: str, timeout: float = 30) -> DeadLetter:
    return wait_until(
        lambda: DeadLetter.objects.filter(task_id=task_id).first(), timeout, f"DLQ row {task_id}"
    )


def _queue_length(queue: str) -> int:
    from tests.celery_app import app

    with app.connection_for_write() as conn:
        return int(conn.default_channel.client.llen(queue))


@pytest.fixture
def broken_broker() -> Iterator[None]:
    """The current Celery app is one whose broker refuses connections (a closed loopback port)."""
    from celery import Celery

    from tests.celery_app import app

    broken = Celery("broken", broker=f"redis://127.0.0.1:{free_port()}/0", set_as_current=False)
    broken.conf.task_publish_retry = False
    broken.conf.broker_transport_options = {"max_retries": 0}
    broken.conf.task_default_queue = app.conf.task_default_queue
    broken.set_current()
    try:
        yield
    finally:
        app.set_current()


@pytest.mark.integration
@pytest.mark.usefixtures("purge_queue")
def test_c07_celery_autoretry_on_an_infra_task_still_ends_in_one_dead_letter(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks_catalogue import autoretry

    start_worker()
    marker = uuid.uuid4().hex
    result = autoretry.delay(marker)
    row = _dead_letter(result.id, timeout=40)  # backoff 1 s + 2 s between the three attempts
    assert row.exception_class == "builtins.ValueError"  # not MaxRetriesExceededError
    assert row.attempts == 3
    assert cache.get(f"cat-auto:{marker}") == 3
    assert DeadLetter.objects.filter(task_id=result.id).count() == 1
    time.sleep(1)
    assert cache.get(f"cat-auto:{marker}") == 3  # no further run


# --- C-08, C-09, C-11, C-14: a real worker --------------------------------------------------


@pytest.mark.integration
@pytest.mark.usefixtures("purge_queue")
def test_c08_hard_time_limit_is_dead_lettered_within_seconds(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks_catalogue import hard_limit

    start_worker()
    marker = uuid.uuid4().hex
    result = hard_limit.delay(marker)
    wait_until(lambda: cache.get(f"cat-hard:{marker}"), 20, "task started")
    row = _dead_letter(result.id, timeout=5 + 5)  # limit 1 s; the catalogue's 5 s, with headroom
    assert "TimeLimitExceeded" in row.exception_class
    assert not cache.get(f"cat-hard-done:{marker}")
    assert DeadLetter.objects.filter(task_id=result.id).count() == 1


@pytest.mark.integration
@pytest.mark.usefixtures("purge_queue")
def test_c09_lost_child_without_reject_on_worker_lost_is_swept_into_the_dlq(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks_catalogue import lost_no_reject

    start_worker()
    marker = uuid.uuid4().hex
    result = lost_no_reject.delay(marker)
    wait_until(lambda: cache.get(f"cat-lost:{marker}"), 20, "task started")
    time.sleep(2)  # the parent notices the dead child and acks the message (no redelivery)
    assert cache.get(f"cat-lost:{marker}") == 1
    swept = [row for row in runs.sweep(older_than=0.0) if row.task_id == result.id]
    if not swept:  # Celery's own failure path may have dead-lettered it already
        swept = list(DeadLetter.objects.filter(task_id=result.id))
    assert len(swept) == 1
    assert DeadLetter.objects.filter(task_id=result.id).count() == 1
    assert not TaskRun.objects.filter(task_id=result.id).exists()
    time.sleep(1)
    assert cache.get(f"cat-lost:{marker}") == 1  # acked: never run again


@pytest.mark.integration
@pytest.mark.usefixtures("purge_queue")
@pytest.mark.parametrize("task_name", ["atomic_fails", "aborted_connection"])
def test_c11_dead_letter_survives_the_tasks_rollback(
    start_worker: Callable[..., Worker], task_name: str
) -> None:
    from tests.testapp import tasks_catalogue

    start_worker()
    name = f"c11-{uuid.uuid4().hex[:12]}"
    result = getattr(tasks_catalogue, task_name).delay(name)
    row = _dead_letter(result.id)
    assert row.exception_class in {"builtins.ValueError", "django.db.utils.IntegrityError"}
    assert row.args == [name]
    assert not Account.objects.filter(name__startswith=f"{name}-").exists()  # rolled back
    if task_name == "atomic_fails":
        assert not Account.objects.filter(name=name).exists()


@pytest.mark.integration
@pytest.mark.usefixtures("purge_queue")
def test_c14_delay_on_commit_publishes_after_commit_and_nothing_on_rollback(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.testapp.tasks_catalogue import read_account

    private = f"cat-c14-{uuid.uuid4().hex[:8]}"
    with pytest.raises(RuntimeError), transaction.atomic():
        account = Account.objects.create(name=f"c14-{uuid.uuid4().hex[:12]}")
        read_account.apply_async_on_commit((account.pk, "x"), queue=private)
        raise RuntimeError("roll back")
    assert _queue_length(private) == 0  # rolled back: nothing published
    with transaction.atomic():
        account = Account.objects.create(name=f"c14-{uuid.uuid4().hex[:12]}")
        read_account.apply_async_on_commit((account.pk, "x"), queue=private)
        assert _queue_length(private) == 0  # not before the commit
    assert _queue_length(private) == 1
    from tests.celery_app import app

    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(private)

    start_worker()
    marker = uuid.uuid4().hex
    with transaction.atomic():
        account = Account.objects.create(name=f"c14-{marker[:12]}")
        read_account.delay_on_commit(account.pk, marker)
    assert wait_until(lambda: cache.get(f"cat-read:{marker}"), 30, "worker read") == account.name
    assert not DeadLetter.objects.filter(task_name="tests.cat_read_account").exists()


# --- C-15: on-commit publish while the broker is down ---------------------------------------

SECOND_CALLBACK: list[str] = []


def c15_view(request: HttpRequest) -> JsonResponse:
    from tests.testapp.tasks_catalogue import read_account

    with transaction.atomic():
        account = Account.objects.create(name=f"c15-{uuid.uuid4().hex[:12]}")
        read_account.delay_on_commit(account.pk, "c15")
        transaction.on_commit(lambda: SECOND_CALLBACK.append(account.name), robust=True)
    return JsonResponse({"created": account.pk}, status=201)


urlpatterns = [path("c15/", c15_view)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.catalogue.test_tasks")
@pytest.mark.usefixtures("broken_broker")
def test_c15_on_commit_publish_with_broker_down_keeps_the_success_and_a_dead_letter(
    json_logs: JsonLogCapture,
) -> None:
    SECOND_CALLBACK.clear()
    response = Client().get("/c15/")
    assert response.status_code == 201  # the committed success stands
    rid = response["X-Request-ID"]
    pk = response.json()["created"]
    assert Account.objects.filter(pk=pk).exists()
    assert SECOND_CALLBACK  # the next on-commit callback still ran
    failed = [r for r in json_logs.records if r.get("event") == "task.publish_failed"]
    assert len(failed) == 1 and failed[0]["request_id"] == rid
    row = DeadLetter.objects.get(task_name="tests.cat_read_account", request_id=rid)
    assert row.args == [pk, "c15"]
    assert row.exception_class.endswith("JobQueueError")
    assert row.status == DeadLetter.Status.PENDING  # replayable once the broker is back


# --- a malicious producer's request id header ------------------------------------------


@pytest.mark.integration
@pytest.mark.usefixtures("purge_queue")
def test_q08_worker_replaces_a_malformed_published_request_id(
    start_worker: Callable[..., Worker],
) -> None:
    from tests.celery_app import QUEUE, app

    worker = start_worker()
    hostile = "x\ny forged=1"
    ok, bad = uuid.uuid4().hex, uuid.uuid4().hex
    app.send_task("tests.cat_note_request_id", args=[ok], queue=QUEUE,
                  headers={"infra_core_request_id": hostile})  # fmt: skip
    failing = app.send_task("tests.cat_note_request_id", args=[bad, True], queue=QUEUE,
                            headers={"infra_core_request_id": hostile})  # fmt: skip
    seen = wait_until(lambda: cache.get(f"cat-rid:{ok}"), 30, "task ran")
    assert seen != hostile and "\n" not in seen and len(seen) == 32
    row = _dead_letter(failing.id)
    assert row.request_id and "\n" not in row.request_id and row.request_id != hostile
    assert "x\ny" not in worker.text() and "forged=1" not in worker.text()


def test_q08_bind_task_context_rejects_a_header_with_a_newline() -> None:
    from types import SimpleNamespace

    from infra_core import context
    from infra_core.tasks.receivers import bind_task_context, reset_task_context

    task = SimpleNamespace(request=SimpleNamespace(infra_core_request_id="x\ny", headers={}))
    bind_task_context(task_id="t-q08", task=task)
    try:
        rid = context.get_request_id()
        assert rid and rid != "x\ny" and len(rid) == 32
    finally:
        reset_task_context(task_id="t-q08")
