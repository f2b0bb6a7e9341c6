"""The formatter's own field pass and timestamp write what python-json-logger and datetime do."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pythonjsonlogger.json import JsonFormatter as PJLJsonFormatter

from infra_core.logging.formatters import JsonFormatter

# What extra= may carry: anything but the record's own attributes (makeRecord refuses those).
_OWN = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "", None, None))) | {"message", "asctime"}
_KEYS = st.one_of(
    st.text(min_size=1, max_size=12).filter(lambda k: k not in _OWN),
    st.sampled_from(["_private", "__dunder", "route", "user_id", "severity", "r"]),
    st.integers(min_value=-5, max_value=5),
)
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))


def _record(extra: dict[Any, Any]) -> logging.LogRecord:
    record = logging.LogRecord("tests.fast", logging.INFO, __file__, 7, "hi %s", ("x",), None)
    for key, value in extra.items():  # what makeRecord does with extra=, numeric keys included
        record.__dict__[key] = value
    return record


def _pjl_fields(fmt: JsonFormatter, record: logging.LogRecord) -> list[tuple[Any, Any]]:
    data: dict[Any, Any] = {}
    PJLJsonFormatter.add_fields(fmt, data, record, {})
    return list(data.items())


def _our_fields(fmt: JsonFormatter, record: logging.LogRecord) -> list[tuple[Any, Any]]:
    data: dict[Any, Any] = {}
    fmt._record_fields(data, record, {})
    return list(data.items())


FORMATTERS = [
    {},
    {"fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(lineno)d"},
    {"rename_fields": {"levelname": "severity", "route": "r", "message": "msg_text"}},
    {"rename_fields": {"missing_field": "m"}, "rename_fields_keep_missing": True},
    {"reserved_attrs": ["msg", "args"]},
]


@pytest.mark.parametrize("kwargs", FORMATTERS)
@settings(max_examples=60, deadline=None)
@given(extra=st.dictionaries(_KEYS, _VALUES, max_size=8))
@example(extra={"_hidden": 1, 3: "int key", "route": "x", "severity": "clash"})
def test_field_pass_equals_python_json_loggers(kwargs: dict[str, Any], extra: dict) -> None:
    fmt = JsonFormatter(**kwargs)
    record = _record(extra)
    record.message = record.getMessage()  # as format() sets them before the field pass
    record.asctime = fmt.formatTime(record)
    assert _our_fields(fmt, record) == _pjl_fields(fmt, record)


def test_configurations_the_fast_pass_does_not_cover_use_python_json_logger() -> None:
    # static fields, defaults, a timestamp field, a dict message: python-json-logger's own pass.
    record = _record({"a": 1})
    record.message, record.asctime = "m", "t"
    for kwargs in ({"static_fields": {"env": "prod"}}, {"timestamp": True}):
        fmt = JsonFormatter(**kwargs)
        assert _our_fields(fmt, record) == _pjl_fields(fmt, record)
    fmt = JsonFormatter()
    ours: dict[str, Any] = {}
    fmt._record_fields(ours, record, {"event": "x"})
    theirs: dict[str, Any] = {}
    PJLJsonFormatter.add_fields(fmt, theirs, record, {"event": "x"})
    assert ours == theirs and ours["event"] == "x"


def _iso(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


@settings(max_examples=400, deadline=None)
@given(created=st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False))
@example(created=1_764_000_000.9999996)  # rounds up into the next second
@example(created=1_764_000_000.9995)
@example(created=1_764_000_000.0005)
@example(created=0.0)
def test_timestamp_equals_datetime_isoformat(created: float) -> None:
    fmt = JsonFormatter()
    record = _record({})
    record.created = created
    assert fmt.formatTime(record) == _iso(created)
    # and again from the per-second cache, then for a neighbouring second
    assert fmt.formatTime(record) == _iso(created)
    record.created = math.floor(created) + 1.25
    assert fmt.formatTime(record) == _iso(record.created)


def test_timestamp_with_datefmt_is_strftime_in_utc() -> None:
    record = _record({})
    record.created = 86_400.5
    assert JsonFormatter().formatTime(record, "%Y-%m-%d %H") == "1970-01-02 00"
