"""Dead-letter recording with secret-bearing arguments and exception messages.

A dead letter keeps the task's args and kwargs as they were sent (JSON-safe, bounded by
DLQ_MAX_PAYLOAD_BYTES) because replay re-sends exactly them; what it logs carries the task name,
id, attempts and exception class only. This module checks the log side for any secret; the row
side is pinned as documented (verbatim payload, bounded).
"""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from infra_core.tasks import dlq
from infra_core.tasks.models import DeadLetter
from tests.conftest import JsonLogCapture
from tests.hostile.conftest import QUICK, assert_clean_logs, reset

pytestmark = pytest.mark.django_db

KEYS = ["password", "api_key", "token", "card", "note", "Authorization"]
secrets = st.text(alphabet="abcdefghjkmnpqrstuvwxyz23456789", min_size=8, max_size=16).map(
    lambda s: f"Sx9{s}9xS"
)


@QUICK
@given(key=st.sampled_from(KEYS), secret=secrets, nested=st.booleans(), big=st.booleans())
def test_recording_a_dead_letter_logs_no_argument_or_message_secret(
    key: str, secret: str, nested: bool, big: bool, json_logs: JsonLogCapture
) -> None:
    reset(json_logs)
    kwargs = {"user": {key: secret}} if nested else {key: secret}
    args = [secret, "x" * (5000 if big else 1)]
    failure = dlq.Failure(
        task_name="tests.hostile.charge",
        task_id=str(uuid.uuid4()),
        args=args,
        kwargs=kwargs,
        exception_class="builtins.ValueError",
        exception_message=f"gateway refused password={secret}",
        traceback=f"Traceback (most recent call last):\nValueError: token: {secret}",
    )
    with override_settings(INFRA_CORE={"DLQ_MAX_PAYLOAD_BYTES": 4096}):
        row = dlq.record(failure)
    records = assert_clean_logs(json_logs, secret)
    assert any(r.get("event") == "dlq.recorded" for r in records)
    stored = DeadLetter.objects.get(pk=row.pk)
    if big:  # over the bound: one marker, never the whole payload
        assert stored.payload_truncated and stored.kwargs == {}
    else:  # verbatim: replay re-sends exactly what the task was given
        assert not stored.payload_truncated
        assert stored.args == args and stored.kwargs == kwargs
