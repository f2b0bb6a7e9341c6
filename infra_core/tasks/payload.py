"""Make task arguments storable: JSON-safe, bounded in size, never raising."""

from __future__ import annotations

import contextlib
import json
from typing import Any, NamedTuple

from infra_core.logging.conf import LOG_REDACT_KEYS
from infra_core.logging.filters import redact

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


def _redacted(args: list[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    # The log lines' rules: secret-named keys at any depth, "password=..." inside strings.
    extra: tuple[str, ...] = ()
    with contextlib.suppress(Exception):  # a bad LOG_REDACT_KEYS is its own check's error
        extra = LOG_REDACT_KEYS.value
    return redact(args, extra), redact(kwargs, extra)


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
    if redact:
        masked_args, masked_kwargs = _redacted(safe_args, safe_kwargs)
        redacted = masked_args != safe_args or masked_kwargs != safe_kwargs
        safe_args, safe_kwargs = masked_args, masked_kwargs
    text = json.dumps([safe_args, safe_kwargs])
    size = len(text.encode())
    if size <= max_bytes:
        return Payload(safe_args, safe_kwargs, False, redacted)
    head = max(0, min(max_bytes, 2000) - 200)
    marker = {TRUNCATED: True, "bytes": size, "limit": max_bytes, "head": text[:head]}
    return Payload([marker], {}, True, redacted)


def bounded_text(text: str, max_chars: int) -> str:
    """Return ``text`` or its head and tail around a marker (a traceback's tail is the cause)."""
    if len(text) <= max_chars:
        return text
    keep = max(max_chars // 2 - 40, 0)
    cut = len(text) - 2 * keep
    return f"{text[:keep]}\n... [{cut} characters truncated] ...\n{text[len(text) - keep :]}"
