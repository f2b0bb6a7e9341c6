from __future__ import annotations

import json
import logging
import sys
import threading

from infra_core import context
from infra_core.logging.formatters import ConsoleFormatter

log = logging.getLogger("tests.formatters")


class Unserialisable:
    def __repr__(self) -> str:
        return "<Unserialisable>"


class BrokenStr:
    def __str__(self) -> str:
        raise RuntimeError("no")


def test_json_formatter_non_serialisable_extra_does_not_raise(json_logs) -> None:
    log.info("odd extras", extra={"obj": Unserialisable(), "lock": threading.Lock(), "n": {1, 2}})
    record = json_logs.by_logger("tests.formatters")[-1]
    assert record["message"] == "odd extras"
    assert "Unserialisable" in record["obj"]


def test_json_formatter_broken_str_extra_does_not_raise(json_logs) -> None:
    log.info("broken", extra={"obj": BrokenStr()})
    record = json_logs.by_logger("tests.formatters")[-1]
    assert record["message"] == "broken"
    assert "unserialisable" in record["obj"]


def test_json_formatter_circular_extra_keeps_the_line() -> None:
    from infra_core.logging.formatters import JsonFormatter

    loop: dict[str, object] = {}
    loop["self"] = loop
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "circular", None, None)
    record.loop = loop
    out = json.loads(JsonFormatter().format(record))
    assert out["message"] == "circular"
    assert out["log_error"].startswith("ValueError")


def test_json_formatter_adds_context_fields(json_logs) -> None:
    with context.bind(request_id="rid-1", user_id="42", plan="pro"):
        log.info("hello")
    record = json_logs.by_logger("tests.formatters")[-1]
    assert record["request_id"] == "rid-1"
    assert record["user_id"] == "42"
    assert record["plan"] == "pro"
    assert record["level"] == "INFO"
    assert "task_id" not in record  # unset fields are omitted, not null


def test_json_formatter_exception_is_serialised(json_logs) -> None:
    try:
        raise ValueError("bad value")
    except ValueError:
        log.exception("failed")
    record = json_logs.by_logger("tests.formatters")[-1]
    assert "ValueError: bad value" in record["exc_info"]


def test_console_formatter_shows_short_request_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hi", None, None)
    with context.bind(request_id="abcdef0123456789"):
        line = ConsoleFormatter().format(record)
    assert "[abcdef01]" in line and line.endswith("hi")


def test_json_formatter_output_is_one_line(json_logs) -> None:
    log.info("multi\nline\nmessage")
    lines = [ln for ln in json_logs.text.splitlines() if '"tests.formatters"' in ln]
    assert len(lines) == 1
    assert json.loads(lines[0])["message"] == "multi\nline\nmessage"


def test_json_formatter_timestamp_is_rfc3339_utc_whatever_time_zone(settings, json_logs) -> None:
    from datetime import UTC, datetime, timedelta

    settings.TIME_ZONE = "America/Chicago"  # Django sets TZ and calls time.tzset()
    before = datetime.now(UTC)
    log.info("stamped")
    after = datetime.now(UTC)
    stamp = json_logs.by_logger("tests.formatters")[-1]["asctime"]
    assert stamp.endswith("+00:00")
    parsed = datetime.fromisoformat(stamp)
    assert parsed.utcoffset() == timedelta(0)
    assert before - timedelta(milliseconds=1) <= parsed <= after


def test_console_formatter_escapes_control_characters_in_the_line() -> None:
    # A forged second line, an ANSI escape and a NEL from request data stay on one visible line.
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "user %s", ("bob\nFAKE 500\x1b[31m\x85\u2028",), None
    )
    line = ConsoleFormatter().format(record)
    assert "\n" not in line and "\x1b" not in line and "\x85" not in line
    assert line.endswith("user bob\\nFAKE 500\\x1b[31m\\x85\\u2028")


def test_console_formatter_keeps_the_traceback_on_its_own_lines() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    text = ConsoleFormatter().format(record)
    first, *rest = text.splitlines()
    assert first.endswith("failed") and rest[0].startswith("Traceback")
