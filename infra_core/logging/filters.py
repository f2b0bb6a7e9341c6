"""Logging filters: add the request context to records, redact secrets."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from infra_core import context
from infra_core.logging.conf import LOG_REDACT_KEYS

# Key fragments whose values never reach a log line (case-insensitive substring match).
SENSITIVE_FRAGMENTS: tuple[str, ...] = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
    "api-key",
    "private_key",
    "credential",
    "session",
    "csrf",
    "dsn",
)
REDACTED = "[REDACTED]"
_MAX_DEPTH = 8

# "password=hunter2", "token: abc", "Authorization: Bearer abc" inside free text.
_INLINE = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key|authorization|cookie)"
    r"(\s*[=:]\s*)(bearer\s+|basic\s+)?([^\s&,;\"']+)"
)

# LogRecord attributes that are not user extras.
_STANDARD = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "user_id",
    "task_id",
    "route",
    "plan",
}


class ContextFilter(logging.Filter):
    """Add ``request_id``, ``user_id``, ``task_id``, ``route`` and ``plan`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = context.request_id_var.get()
        if getattr(record, "user_id", None) is None:
            record.user_id = context.user_id_var.get()
        if getattr(record, "task_id", None) is None:
            record.task_id = context.task_id_var.get()
        if getattr(record, "route", None) is None:
            record.route = context.route_var.get()
        if getattr(record, "plan", None) is None:
            record.plan = context.plan_var.get()
        return True


@lru_cache(maxsize=2048)
def is_sensitive(key: str, extra: tuple[str, ...] = ()) -> bool:
    """Return True if a key names a secret (password, token, cookie, api key, ...)."""
    low = key.lower()
    return any(f in low for f in SENSITIVE_FRAGMENTS) or any(f in low for f in extra)


def configured_keys() -> tuple[str, ...]:
    """Return LOG_REDACT_KEYS, or () where settings cannot be read (plain scripts, a bad value)."""
    try:
        return LOG_REDACT_KEYS.value
    except Exception:  # a bad LOG_REDACT_KEYS is its own check's error (infra_core.E104)
        return ()


def redact(value: Any, extra: tuple[str, ...] = (), _depth: int = 0) -> Any:
    """Return a copy of ``value`` with secret-named keys masked, recursing into containers."""
    if _depth > _MAX_DEPTH:
        return "[TRUNCATED]"
    if isinstance(value, dict):
        return {
            k: (
                REDACTED
                if isinstance(k, str) and is_sensitive(k, extra)
                else redact(v, extra, _depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v, extra, _depth + 1) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    """Mask ``key=value`` style secrets inside free text."""
    if not _INLINE.search(text):
        return text
    return _INLINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3) or ''}{REDACTED}", text)


# Loggers whose records infra_core builds from fixed, non-secret fields (method, route name,
# status, duration, client ip): redacting them would cost ~10 µs a request for nothing.
_SAFE_LOGGERS = frozenset({"infra_core.access"})


class RedactFilter(logging.Filter):
    """Mask secrets in a record's message, arguments and extras (nested dicts included)."""

    def __init__(self, name: str = "", extra_keys: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(name)
        self.extra = tuple(k.lower() for k in extra_keys)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in _SAFE_LOGGERS:
            return True
        try:
            self._redact(record)
        except Exception:  # an observer never breaks the observed: log it unredacted-safe
            record.msg = "[log record dropped by redaction failure]"
            record.args = None
        return True

    def _redact(self, record: logging.LogRecord) -> None:
        extra = self.extra + configured_keys()
        if record.args:
            if isinstance(record.args, dict):
                record.args = redact(record.args, extra)
            else:
                record.args = tuple(redact(a, extra) for a in record.args)
        if isinstance(record.msg, str):
            # Redact the merged text: "secret=%s" % value only shows the secret once merged.
            text = record.getMessage() if record.args else record.msg
            redacted = redact_text(text)
            if redacted is not text:
                record.msg, record.args = redacted, None
        elif isinstance(record.msg, dict):
            record.msg = redact(record.msg, extra)
        fields = record.__dict__
        for key in fields.keys() - _STANDARD:
            value = fields[key]
            if is_sensitive(key, extra):
                fields[key] = REDACTED
            elif isinstance(value, dict | list | tuple | str):
                fields[key] = redact(value, extra)


#: The Host header is client input: a log line carries at most this many characters of it.
MAX_HOST = 100


class DisallowedHostFilter(logging.Filter):
    """Replace Django's DisallowedHost ERROR and traceback with one short security event."""

    def filter(self, record: logging.LogRecord) -> bool:
        from infra_core.logging.security import log_security_event

        request = getattr(record, "request", None)
        meta = getattr(request, "META", {})
        host = str(meta.get("HTTP_HOST") or meta.get("SERVER_NAME") or "")[:MAX_HOST]
        log_security_event("disallowed_host", request=request, host=host)
        return False  # the event above says it all; a bad Host is not a server error
