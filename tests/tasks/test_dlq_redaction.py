"""Dead-letter and task-run rows store no secret they can recognise (DLQ_REDACT_PAYLOAD)."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings

from infra_core.logging.filters import REDACTED
from infra_core.tasks import dlq, operations, runs
from infra_core.tasks.models import DeadLetter, TaskRun
from infra_core.tasks.payload import TRUNCATED

pytestmark = pytest.mark.django_db

SECRET = "Sx9hunter2qq9xS"


def _failure(**fields: object) -> dlq.Failure:
    values: dict[str, object] = {
        "task_name": "tests.charge",
        "task_id": str(uuid.uuid4()),
        "args": [42, {"note": "keep", "card_token": SECRET}],
        "kwargs": {"password": SECRET, "amount": 5, "memo": f"token={SECRET}"},
        "exception_class": "builtins.ValueError",
        "exception_message": f"refused password={SECRET}",
        "traceback": f"Traceback\nValueError: api_key: {SECRET}",
        **fields,
    }
    return dlq.Failure(**values)  # type: ignore[arg-type]


def test_secret_named_values_are_masked_and_the_row_is_not_replayable() -> None:
    row = DeadLetter.objects.get(pk=dlq.record(_failure()).pk)
    assert SECRET not in str([row.args, row.kwargs, row.exception_message, row.traceback])
    assert row.args == [42, {"note": "keep", "card_token": REDACTED}]
    assert row.kwargs == {"password": REDACTED, "amount": 5, "memo": f"token={REDACTED}"}
    assert row.payload_redacted and not row.payload_truncated
    with pytest.raises(operations.ReplayRefused) as refused:
        operations.replay(row.pk, actor="ops")
    assert "redacted payload" in refused.value.reason
    assert DeadLetter.objects.get(pk=row.pk).status == DeadLetter.Status.PENDING


def test_a_payload_with_nothing_secret_stays_verbatim_and_replayable() -> None:
    row = dlq.record(_failure(args=[1, "two"], kwargs={"amount": 5, "user_id": 7}))
    row.refresh_from_db()
    assert (row.args, row.kwargs, row.payload_redacted) == (
        [1, "two"],
        {"amount": 5, "user_id": 7},
        False,
    )
    assert operations.refusal(row, operations.REPLAY) is None


def test_log_redact_keys_extend_the_names() -> None:
    with override_settings(INFRA_CORE={"LOG_REDACT_KEYS": ["iban"]}):
        row = dlq.record(_failure(args=[], kwargs={"iban": "DE00", "amount": 5}))
    row.refresh_from_db()
    assert row.kwargs == {"iban": REDACTED, "amount": 5} and row.payload_redacted


def test_redaction_off_keeps_the_payload_verbatim_but_masks_the_message() -> None:
    with override_settings(INFRA_CORE={"DLQ_REDACT_PAYLOAD": False}):
        row = dlq.record(_failure())
    row.refresh_from_db()
    assert row.kwargs["password"] == SECRET and not row.payload_redacted
    assert operations.refusal(row, operations.REPLAY) is None
    assert SECRET not in row.exception_message + row.traceback


def test_the_deferred_recorder_keeps_the_redacted_and_truncated_flags() -> None:
    # as_json() travels to the recorder task through the broker; the row it writes must be as
    # unreplayable as the one record() would have written (it re-bounds a masked, small payload).
    redacted = dlq.record_json(_failure().as_json())
    assert redacted.payload_redacted and SECRET not in str(redacted.kwargs)
    with override_settings(INFRA_CORE={"DLQ_MAX_PAYLOAD_BYTES": 1024}):
        big = dlq.record_json(_failure(args=["x" * 5000], kwargs={}).as_json())
    assert big.payload_truncated and big.args[0][TRUNCATED]
    assert operations.refusal(big, operations.REPLAY) is not None


def test_task_runs_store_the_masked_payload_and_the_sweep_keeps_the_flag() -> None:
    task_id = str(uuid.uuid4())
    runs.start(task_id=task_id, task_name="tests.charge", retries=0, args=[],
               kwargs={"password": SECRET}, queue="q", request_id="r", worker="w:1")  # fmt: skip
    run = TaskRun.objects.get(task_id=task_id)
    assert run.kwargs == {"password": REDACTED} and run.payload_redacted
    (row,) = [r for r in runs.sweep(older_than=0) if r.task_id == task_id]
    assert row.payload_redacted and row.kwargs == {"password": REDACTED}
    assert operations.refusal(row, operations.REPLAY) is not None
