"""JSON and console formatters that carry the request context."""

from __future__ import annotations

import json
import logging
import math
import re
import time
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _PJLJsonFormatter

from infra_core import context

try:  # optional speed-up: orjson serialises the line in about a third of json.dumps' time
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised by tests/logging with orjson hidden
    _orjson = None  # type: ignore[assignment]

_CONTEXT_FIELDS = ("request_id", "user_id", "task_id", "route", "plan")
# json.dumps(ensure_ascii=False) escapes C0 controls only: DEL, the C1 controls (NEL U+0085,
# CSI U+009B) and the line/paragraph separators would reach the line raw, and log shippers and
# terminals split lines on or interpret them. Outside strings JSON is ASCII, so escaping them
# wherever they occur keeps the document identical once parsed.
_BEYOND_C0 = "\x7f-\x9f\u2028\u2029"  # DEL, the C1 controls, the line/paragraph separators
_RAW_CONTROL = re.compile(f"[{_BEYOND_C0}]")


def _escape_controls(line: str) -> str:
    if _RAW_CONTROL.search(line) is None:
        return line
    return _RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", line)


def _safe_default(obj: Any) -> Any:
    try:
        return str(obj)
    except Exception:
        return f"<unserialisable {type(obj).__name__}>"


class JsonFormatter(_PJLJsonFormatter):
    """python-json-logger's formatter plus the request context; never raises on odd extras."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("json_default", _safe_default)
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("timestamp", False)
        super().__init__(*args, **kwargs)
        # orjson only where it writes what json.dumps would (no custom serialiser or encoder,
        # UTF-8 kept, no indent); anything else keeps python-json-logger's own path.
        self._fast = (
            _orjson is not None
            and self.json_serializer is json.dumps
            and self.json_encoder is None
            and not self.json_ensure_ascii
            and self.json_indent is None
        )
        # The fields of every line, renamed once here rather than per record (add_fields).
        self._named_fields = [(f, self.rename_fields.get(f, f)) for f in self._required_fields]
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """Return the record's time as RFC 3339 in UTC (``+00:00``), whatever TIME_ZONE says."""
        if datefmt:
            return time.strftime(datefmt, time.gmtime(record.created))
        # What datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds") gives
        # (microseconds rounded half-even, then cut to milliseconds), with the date and time
        # of day built once per second instead of once per line.
        created = record.created
        second = math.floor(created)
        micros = round((created - second) * 1_000_000)
        if micros >= 1_000_000:
            second, micros = second + 1, micros - 1_000_000
        cached = self._second
        if cached[0] != second:
            stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            cached = self._second = (second, stamp)
        return f"{cached[1]}.{micros // 1000:03d}+00:00"

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        self._record_fields(log_data, record, message_dict)
        for field in _CONTEXT_FIELDS:
            if log_data.get(field) is None:
                value = getattr(record, field, None)
                if value is None and field == "request_id":
                    value = context.request_id_var.get()
                if value is not None:
                    log_data[field] = value
                else:
                    log_data.pop(field, None)

    def _record_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        if message_dict or getattr(self, "defaults", None) or self.static_fields or self.timestamp:
            super().add_fields(log_data, record, message_dict)
            return
        # python-json-logger's add_fields for the usual configuration (no defaults, static
        # fields, dict message or timestamp field) in about half its time: the format's fields
        # renamed once in __init__, one pass over the record's attributes.
        attrs = record.__dict__
        for field, name in self._named_fields:
            log_data[name] = attrs.get(field)
        skip, rename = self._skip_fields, self.rename_fields
        for key, value in attrs.items():
            if key not in skip and not (isinstance(key, str) and key.startswith("_")):
                log_data[rename.get(key, key)] = value
        if self.rename_fields_keep_missing:
            for name in rename.values():
                if name not in log_data:
                    log_data[name] = None

    def jsonify_log_record(self, log_data: Any) -> str:
        if self._fast:
            try:
                # Same fields and escaping as json.dumps(ensure_ascii=False), compact separators.
                return _escape_controls(
                    _orjson.dumps(
                        log_data, default=self.json_default, option=_orjson.OPT_NON_STR_KEYS
                    ).decode()
                )
            except Exception:  # noqa: S110 - ints over 64 bits, lone surrogates: json.dumps decides
                pass
        try:
            return _escape_controls(str(super().jsonify_log_record(log_data)))
        except Exception as exc:  # circular refs, broken __str__: keep the line, drop extras
            fallback = {
                k: str(log_data.get(k))
                for k in ("asctime", "level", "logger", "message", "request_id")
                if k in log_data
            }
            fallback["log_error"] = f"{type(exc).__name__} while serialising extras"
            return _escape_controls(json.dumps(fallback, ensure_ascii=False))


# Console lines: the C0 controls too (json.dumps escapes those for the JSON line), shown escaped.
_CONSOLE_CONTROL = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_CONSOLE_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _console_escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _CONSOLE_NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def _escape_console(line: str) -> str:
    if _CONSOLE_CONTROL.search(line) is None:
        return line
    return _CONSOLE_CONTROL.sub(_console_escape, line)


class ConsoleFormatter(logging.Formatter):
    """A readable one-line format for development, with the request id when there is one.

    The line itself (message and fields) shows control characters escaped (``\\n``, ``\\x1b``),
    so a value from a request cannot forge a second line or drive the terminal; a traceback
    still follows on its own lines.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)-7s %(name)s [%(rid)s] %(message)s")
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or context.request_id_var.get()
        record.rid = rid[:8] if rid else "-"
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return _escape_console(super().formatMessage(record))
