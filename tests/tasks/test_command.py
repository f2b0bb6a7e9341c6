"""``manage.py infra_dlq`` against a real database; replay against a real Redis broker."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from infra_core.tasks.dlq import REPLAY_HEADER
from infra_core.tasks.models import DeadLetter
from tests.conftest import free_port

pytestmark = pytest.mark.django_db

Status = DeadLetter.Status


def make(**fields: Any) -> DeadLetter:
    age = fields.pop("age", timedelta(0))
    fields.setdefault("task_name", "app.tasks.send_mail")
    fields.setdefault("task_id", str(uuid.uuid4()))
    fields.setdefault("exception_class", "builtins.ValueError")
    fields.setdefault("last_failed_at", timezone.now() - age)
    return DeadLetter.objects.create(**fields)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("infra_dlq", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_fails(*args: str) -> tuple[CommandError, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as info:
        call_command("infra_dlq", *args, stdout=out, stderr=err)
    return info.value, out.getvalue(), err.getvalue()


def listed_ids(*args: str) -> list[int]:
    out, _ = run("list", "--json", *args)
    return [json.loads(line)["id"] for line in out.splitlines()]


# --- list ------------------------------------------------------------------------------------
def test_list_default_prints_pending_rows_as_table() -> None:
    row = make(request_id="req-1", attempts=4)
    make(status=Status.DISCARDED)
    out, _ = run("list")
    header, *lines = out.splitlines()
    columns = ["id", "task", "status", "attempts", "exception", "request_id", "last", "failed"]
    assert header.split() == columns
    assert len(lines) == 1
    expected = [str(row.pk), row.task_name, "pending", "4", "builtins.ValueError", "req-1"]
    assert lines[0].split()[:6] == expected


def test_list_status_all_includes_closed_rows() -> None:
    rows = [make(), make(status=Status.REPLAYED), make(status=Status.RESOLVED)]
    assert sorted(listed_ids("--status", "all")) == sorted(r.pk for r in rows)


def test_list_status_discarded_shows_only_discarded() -> None:
    make()
    discarded = make(status=Status.DISCARDED)
    assert listed_ids("--status", "discarded") == [discarded.pk]


def test_list_task_filter_matches_exact_name() -> None:
    mail = make(task_name="app.mail")
    make(task_name="app.mailer")
    assert listed_ids("--task", "app.mail") == [mail.pk]


def test_list_exception_filter_accepts_bare_and_dotted_class() -> None:
    value_error = make(exception_class="builtins.ValueError")
    make(exception_class="app.errors.NotAValueError")
    assert listed_ids("--exception", "ValueError") == [value_error.pk]
    assert listed_ids("--exception", "builtins.ValueError") == [value_error.pk]


def test_list_older_and_newer_than_filter_on_last_failure() -> None:
    old = make(age=timedelta(days=3))
    recent = make(age=timedelta(minutes=5))
    assert listed_ids("--older-than", "2d") == [old.pk]
    assert listed_ids("--newer-than", "1h") == [recent.pk]
    assert listed_ids("--older-than", "1m", "--newer-than", "30m") == [recent.pk]


def test_list_json_prints_one_parseable_object_per_line() -> None:
    row = make(request_id="req-9", queue="mail")
    make()
    out, _ = run("list", "--json")
    objects = [json.loads(line) for line in out.splitlines()]
    assert len(objects) == 2
    mine = next(o for o in objects if o["id"] == row.pk)
    assert mine["task_id"] == row.task_id and mine["request_id"] == "req-9"
    assert mine["queue"] == "mail" and mine["status"] == "pending"
    assert mine["last_failed_at"] == row.last_failed_at.isoformat()


def test_list_limit_shows_newest_rows_and_warns_about_more() -> None:
    make(age=timedelta(hours=2))
    newest = make()
    out, err = run("list", "--json", "--limit", "1")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [newest.pk]
    assert "more rows match" in err


def test_list_nothing_matched_exits_three() -> None:
    make(status=Status.RESOLVED)
    error, out, _ = run_fails("list")
    assert error.returncode == 3 and out == ""


@pytest.mark.parametrize("value", ["30", "2 hours", "-1h", "1.5h", "h"])
def test_list_bad_duration_exits_two_naming_value_and_form(value: str) -> None:
    error, _, _ = run_fails("list", f"--older-than={value}")
    assert error.returncode == 2
    assert repr(value) in str(error) and "30m, 2h, 7d" in str(error)


def test_list_zero_limit_is_a_usage_error() -> None:
    error, _, _ = run_fails("list", "--limit", "0")
    assert error.returncode == 2 and "--limit" in str(error)


# --- show ------------------------------------------------------------------------------------
def test_show_prints_row_pretty_payload_and_traceback() -> None:
    row = make(
        args=[1, "two"],
        kwargs={"to": "a@example.com"},
        traceback="Traceback (most recent call last):\n  boom",
        exception_message="bad value",
    )
    out, _ = run("show", str(row.pk))
    assert f"task_id:            {row.task_id}" in out
    assert "exception_message:  bad value" in out
    assert 'args:\n[\n  1,\n  "two"\n]' in out
    assert '"to": "a@example.com"' in out
    assert out.rstrip().endswith("Traceback (most recent call last):\n  boom")


def test_show_json_includes_payload_and_traceback() -> None:
    row = make(args=[1], kwargs={"k": "v"}, traceback="tb")
    out, _ = run("show", str(row.pk), "--json")
    data = json.loads(out)
    assert data["id"] == row.pk and data["args"] == [1] and data["kwargs"] == {"k": "v"}
    assert data["traceback"] == "tb" and data["exception_class"] == "builtins.ValueError"


def test_show_unknown_id_exits_three() -> None:
    error, _, _ = run_fails("show", "999999")
    assert error.returncode == 3 and "999999" in str(error)


# --- discard / resolve -----------------------------------------------------------------------
def test_discard_ids_closes_rows_with_note_and_actor() -> None:
    first, second = make(), make()
    out, _ = run("discard", str(first.pk), str(second.pk), "--note", "duplicate mail")
    assert "discarded: 2, refused or failed: 0" in out
    for row in (first, second):
        row.refresh_from_db()
        assert row.status == Status.DISCARDED and row.note == "duplicate mail"
        assert row.closed_by.startswith("infra_dlq:") and not row.replayed_by


def test_resolve_closed_row_is_refused_others_done_exit_one() -> None:
    closed = make(status=Status.REPLAYED)
    pending = make()
    error, out, err = run_fails("resolve", str(closed.pk), str(pending.pk))
    assert error.returncode == 1
    assert f"{closed.pk}: already replayed" in err
    assert f"{pending.pk}: resolved" in out
    pending.refresh_from_db()
    closed.refresh_from_db()
    assert pending.status == Status.RESOLVED and closed.status == Status.REPLAYED


def test_discard_unknown_id_is_refused_exit_one() -> None:
    error, _, err = run_fails("discard", "999999")
    assert error.returncode == 1 and "999999: no such dead letter" in err


def test_discard_all_matching_closes_only_matching_pending_rows() -> None:
    target = make(task_name="app.a", age=timedelta(days=2))
    too_new = make(task_name="app.a")
    other_task = make(task_name="app.b", age=timedelta(days=2))
    run("discard", "--all-matching", "--task", "app.a", "--older-than", "1d")
    statuses = {r.pk: r.status for r in DeadLetter.objects.all()}
    assert statuses == {
        target.pk: Status.DISCARDED,
        too_new.pk: Status.PENDING,
        other_task.pk: Status.PENDING,
    }


def test_resolve_all_matching_nothing_pending_exits_three() -> None:
    make(status=Status.DISCARDED)
    error, _, _ = run_fails("resolve", "--all-matching")
    assert error.returncode == 3


def test_discard_dry_run_changes_nothing_and_predicts_refusals() -> None:
    pending = make()
    closed = make(status=Status.RESOLVED)
    error, out, err = run_fails("discard", str(pending.pk), str(closed.pk), "--dry-run")
    assert error.returncode == 1
    assert f"{pending.pk}: would be discarded" in out
    assert f"{closed.pk}: would be refused" in err
    assert {r.pk: r.status for r in DeadLetter.objects.all()} == {
        pending.pk: Status.PENDING,
        closed.pk: Status.RESOLVED,
    }


@pytest.mark.parametrize("args", [(), ("1", "--all-matching")])
def test_discard_needs_ids_or_all_matching_exit_two(args: tuple[str, ...]) -> None:
    error, _, _ = run_fails("discard", *args)
    assert error.returncode == 2 and "--all-matching" in str(error)


# --- purge -----------------------------------------------------------------------------------
def test_purge_deletes_only_closed_rows_older_than_cutoff() -> None:
    old_closed = [
        make(status=s, age=timedelta(days=40))
        for s in (Status.REPLAYED, Status.DISCARDED, Status.RESOLVED)
    ]
    old_pending = make(age=timedelta(days=40))
    new_closed = make(status=Status.RESOLVED, age=timedelta(days=1))
    out, _ = run("purge", "--older-than", "30d")
    assert "deleted 3 dead letter(s)" in out
    remaining = set(DeadLetter.objects.values_list("pk", flat=True))
    assert remaining == {old_pending.pk, new_closed.pk}
    assert not remaining & {r.pk for r in old_closed}


def test_purge_status_limits_to_that_status() -> None:
    discarded = make(status=Status.DISCARDED, age=timedelta(days=9))
    replayed = make(status=Status.REPLAYED, age=timedelta(days=9))
    run("purge", "--older-than", "1w", "--status", "discarded")
    assert set(DeadLetter.objects.values_list("pk", flat=True)) == {replayed.pk}
    assert not DeadLetter.objects.filter(pk=discarded.pk).exists()


def test_purge_deletes_in_batches_of_batch_size() -> None:
    for _ in range(5):
        make(status=Status.DISCARDED, age=timedelta(days=2))
    with CaptureQueriesContext(connection) as queries:
        out, _ = run("purge", "--older-than", "1d", "--batch-size", "2")
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3
    assert "deleted 5 dead letter(s)" in out and not DeadLetter.objects.exists()


def test_purge_dry_run_prints_count_and_deletes_nothing() -> None:
    make(status=Status.DISCARDED, age=timedelta(days=2))
    make(age=timedelta(days=2))
    out, _ = run("purge", "--older-than", "1d", "--dry-run")
    assert "would delete 1 dead letter(s)" in out
    assert DeadLetter.objects.count() == 2


@pytest.mark.parametrize("status", ["pending", "all"])
def test_purge_pending_without_include_pending_exits_two(status: str) -> None:
    make(age=timedelta(days=2))
    error, _, _ = run_fails("purge", "--older-than", "1d", "--status", status)
    assert error.returncode == 2 and "--include-pending" in str(error)
    assert DeadLetter.objects.count() == 1


def test_purge_include_pending_deletes_old_pending_rows() -> None:
    make(age=timedelta(days=2))
    make(status=Status.RESOLVED, age=timedelta(days=2))
    recent = make()
    run("purge", "--older-than", "1d", "--include-pending")
    assert list(DeadLetter.objects.values_list("pk", flat=True)) == [recent.pk]


def test_purge_bad_duration_exits_two() -> None:
    error, _, _ = run_fails("purge", "--older-than", "soon")
    assert error.returncode == 2 and "'soon'" in str(error)


# --- replay (real Redis broker) --------------------------------------------------------------
@pytest.fixture
def broker(purge_queue: None) -> Iterator[tuple[Any, str]]:
    """tests.celery_app as the current app; yields a redis-py client on its broker and its queue."""
    import redis
    from celery import current_app

    from tests.celery_app import QUEUE, app

    previous = current_app._get_current_object()
    app.set_current()
    client = redis.Redis.from_url(app.conf.broker_url)
    try:
        yield client, QUEUE
    finally:
        previous.set_current()
        client.close()


def queued(client: Any, queue: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in client.lrange(queue, 0, -1)]


def test_replay_enqueues_new_task_on_broker_and_marks_row(broker: tuple[Any, str]) -> None:
    client, queue = broker
    row = make(args=[1, 2], kwargs={"x": "y"})
    out, _ = run("replay", str(row.pk))
    row.refresh_from_db()
    assert row.status == Status.REPLAYED and row.replayed_by.startswith("infra_dlq:")
    assert f"as {row.replayed_task_id}" in out
    [message] = queued(client, queue)
    headers = message["headers"]
    assert headers["id"] == row.replayed_task_id and headers["task"] == row.task_name
    assert headers[REPLAY_HEADER] == row.task_id and headers["eta"] is None


def test_replay_delay_sets_eta(broker: tuple[Any, str]) -> None:
    client, queue = broker
    row = make()
    run("replay", str(row.pk), "--delay", "600")
    [message] = queued(client, queue)
    assert message["headers"]["eta"] is not None


def test_replay_negative_delay_is_a_usage_error(broker: tuple[Any, str]) -> None:
    client, queue = broker
    row = make()
    error, _, _ = run_fails("replay", str(row.pk), "--delay=-5")
    assert error.returncode == 2 and client.llen(queue) == 0


def test_replay_already_replayed_row_is_refused_exit_one(broker: tuple[Any, str]) -> None:
    client, queue = broker
    row = make(status=Status.REPLAYED, replayed_task_id="earlier")
    error, _, err = run_fails("replay", str(row.pk))
    assert error.returncode == 1 and "already replayed" in err
    assert client.llen(queue) == 0


def test_replay_truncated_payload_is_refused_exit_one(broker: tuple[Any, str]) -> None:
    client, queue = broker
    row = make(payload_truncated=True)
    error, _, err = run_fails("replay", str(row.pk))
    assert error.returncode == 1 and "truncated payload" in err
    assert client.llen(queue) == 0
    row.refresh_from_db()
    assert row.status == Status.PENDING


def test_replay_all_matching_dry_run_sends_nothing(broker: tuple[Any, str]) -> None:
    client, queue = broker
    rows = [make(task_name="app.x"), make(task_name="app.x")]
    make(task_name="app.other")
    out, _ = run("replay", "--all-matching", "--task", "app.x", "--dry-run")
    assert all(f"{r.pk}: would be replayed app.x" in out for r in rows)
    assert "would be replayed: 2, refused or failed: 0" in out
    assert client.llen(queue) == 0
    assert not DeadLetter.objects.exclude(status=Status.PENDING).exists()


def test_replay_broker_refused_exits_one_and_row_stays_pending() -> None:
    import celery

    app = celery.Celery(
        "infra-dlq-down", broker=f"redis://127.0.0.1:{free_port()}/0", set_as_current=False
    )
    app.conf.task_publish_retry = False
    app.conf.broker_connection_timeout = 0.5
    previous = celery.current_app._get_current_object()
    app.set_current()
    row = make()
    try:
        error, _, err = run_fails("replay", str(row.pk))
    finally:
        previous.set_current()
        app.close()
    assert error.returncode == 1 and "could not enqueue the replay" in err
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.replayed_task_id == ""


def test_replay_without_celery_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "celery", None)
    row = make()
    error, _, _ = run_fails("replay", str(row.pk))
    assert error.returncode == 2 and "pip install infra_core[celery]" in str(error)
    row.refresh_from_db()
    assert row.status == Status.PENDING


# --- sweep -----------------------------------------------------------------------------------
def test_sweep_dead_letters_only_runs_older_than_duration() -> None:
    from infra_core.tasks.models import TaskRun

    stale = TaskRun.objects.create(
        task_id="lost-1", task_name="app.x", started_at=timezone.now() - timedelta(hours=2)
    )
    TaskRun.objects.create(task_id="fresh-1", task_name="app.x")
    out, _ = run("sweep", "--older-than", "1h")
    row = DeadLetter.objects.get()
    assert row.task_id == stale.task_id and row.status == Status.PENDING
    assert f"{row.pk}: dead-lettered lost run app.x[lost-1]" in out and "swept 1 run(s)." in out
    assert list(TaskRun.objects.values_list("task_id", flat=True)) == ["fresh-1"]


def test_sweep_bad_duration_exits_two() -> None:
    error, _, _ = run_fails("sweep", "--older-than", "an hour")
    assert error.returncode == 2 and "'an hour'" in str(error)
