"""Make task arguments storable: JSON-safe, bounded in size, never raising."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from infra_core.logging.filters import configured_keys
from infra_core.logging.filters import redact as _redact
from infra_core.tasks.conf import DLQ_MAX_PAYLOAD_BYTES, DLQ_REDACT_PAYLOAD

TRUNCATED = "__infra_truncated__"


def _json_safe(value: Any) -> Any:
    # default=repr keeps datetimes, Decimals, model instances... readable instead of crashing.
    return json.loads(json.dumps(value, default=repr))


class Payload(NamedTuple):
    """Task arguments as a row stores them."""

    args: list[Any]
    kwargs: dict[str, Any]
    truncated: bool  # over the size bound: a marker stands for the payload
    redacted: bool = False  # secret-named values stored as [REDACTED]


def bounded_payload(args: Any, kwargs: Any, max_bytes: int, *, redact: bool = False) -> Payload:
    """Return JSON-safe args and kwargs; over ``max_bytes`` each becomes a marker.

    The marker keeps the size and a prefix of the JSON so an operator can still see what it was.
    With ``redact``, secret-named values are masked first (``redacted`` says whether any was).
    """
    try:
        safe_args = _json_safe(list(args or ()))
        safe_kwargs = _json_safe(dict(kwargs or {}))
    except Exception as exc:  # an object whose repr() raises, a non-mapping kwargs...
        marker = {TRUNCATED: True, "error": f"not serialisable: {type(exc).__name__}"}
        return Payload([marker], {}, True)
    redacted = False
    if redact:  # the log lines' rules: secret-named keys at any depth, "password=..." in text
        extra = configured_keys()
        masked_args, masked_kwargs = _redact(safe_args, extra), _redact(safe_kwargs, extra)
        redacted = masked_args != safe_args or masked_kwargs != safe_kwargs
        safe_args, safe_kwargs = masked_args, masked_kwargs
    text = json.dumps([safe_args, safe_kwargs])
    size = len(text.encode())
    if size <= max_bytes:
        return Payload(safe_args, safe_kwargs, False, redacted)
    head = max(0, min(max_bytes, 2000) - 200)
    marker = {TRUNCATED: True, "bytes": size, "limit": max_bytes, "head": text[:head]}
    return Payload([marker], {}, True, redacted)


def stored_payload(args: Any, kwargs: Any) -> Payload:
    """Return a task's payload as DeadLetter and TaskRun rows store it (the DLQ_* settings)."""
    return bounded_payload(
        args, kwargs, DLQ_MAX_PAYLOAD_BYTES.value, redact=DLQ_REDACT_PAYLOAD.value
    )


def bounded_text(text: str, max_chars: int) -> str:
    """Return ``text`` or its head and tail around a marker (a traceback's tail is the cause)."""
    if len(text) <= max_chars:
        return text
    keep = max(max_chars // 2 - 40, 0)
    cut = len(text) - 2 * keep
    return f"{text[:keep]}\n... [{cut} characters truncated] ...\n{text[len(text) - keep :]}"
