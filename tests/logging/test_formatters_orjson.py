"""The JSON formatter's orjson path writes what the json.dumps path writes (fields, escaping)."""

from __future__ import annotations

import json
import logging

import pytest

from infra_core.logging import formatters
from infra_core.logging.filters import ContextFilter, RedactFilter
from infra_core.logging.formatters import JsonFormatter

pytest.importorskip("orjson")

EXTRAS = {
    "text": 'tab\t nl\n esc\x1b quote" back\\ é 漢 \u2028',
    "nested": {"a": [1, 2.5, None, True], "password": "hunter2", 3: "int key"},
    "obj": object(),
    "huge": 2**70,
}


def _record(**extra: object) -> logging.LogRecord:
    record = logging.getLogger("tests.orjson").makeRecord(
        "tests.orjson", logging.INFO, __file__, 1, "hello %s", ("world",), None, extra=extra
    )
    ContextFilter().filter(record)
    RedactFilter().filter(record)
    return record


def _both(record: logging.LogRecord, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    fast = JsonFormatter()
    assert fast._fast
    fast_line = fast.format(record)
    monkeypatch.setattr(formatters, "_orjson", None)
    slow = JsonFormatter()
    assert not slow._fast
    return fast_line, slow.format(record)


def test_orjson_line_parses_to_the_json_dumps_line(monkeypatch: pytest.MonkeyPatch) -> None:
    extras = {k: v for k, v in EXTRAS.items() if k != "huge"}
    fast, slow = _both(_record(**extras), monkeypatch)
    assert json.loads(fast) == json.loads(slow)
    assert "\\n" in fast and "\\u001b" in fast
    assert "\n" not in fast  # one line, control characters escaped
    assert "漢" in fast  # UTF-8 kept, as with ensure_ascii=False
    assert json.loads(fast)["nested"]["password"] == "[REDACTED]"


def test_values_orjson_cannot_write_fall_back_to_json_dumps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast, slow = _both(_record(**EXTRAS), monkeypatch)
    assert json.loads(fast)["huge"] == 2**70
    assert json.loads(fast) == json.loads(slow)


def test_custom_serialiser_or_ascii_keeps_python_json_loggers_path() -> None:
    assert not JsonFormatter(json_ensure_ascii=True)._fast
    assert not JsonFormatter(json_indent=2)._fast
    assert not JsonFormatter(json_serializer=lambda *a, **k: "{}")._fast
