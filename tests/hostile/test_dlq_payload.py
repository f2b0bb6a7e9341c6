"""Dead-letter recording with secret-bearing arguments and exception messages.

What a dead letter logs carries the task name, id, attempts and exception class only: no
secret. The row (DLQ_REDACT_PAYLOAD, on by default) stores secret-named values as [REDACTED] and
is then not replayable; values under other names and positional values are kept (replay re-sends
them); "password=..." in the exception message and traceback is masked.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from infra_core.logging.filters import REDACTED, is_sensitive
from infra_core.tasks import dlq
from infra_core.tasks.models import DeadLetter
from infra_core.tasks.operations import REPLAY, refusal
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
    assert secret not in stored.exception_message and secret not in stored.traceback
    sensitive = is_sensitive(key)
    masked = {key: REDACTED} if sensitive else {key: secret}
    assert stored.payload_redacted is sensitive
    if big:  # over the bound: one marker, never the whole payload
        assert stored.payload_truncated and stored.kwargs == {}
    else:  # replay re-sends exactly what the task was given, unless a value was masked
        assert not stored.payload_truncated
        assert stored.args == args  # positional: nothing names it a secret
        assert stored.kwargs == ({"user": masked} if nested else masked)
    assert (refusal(stored, REPLAY) is None) is not (big or sensitive)
