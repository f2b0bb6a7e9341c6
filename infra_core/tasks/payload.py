"""Make task arguments storable: JSON-safe, bounded in size, never raising."""

from __future__ import annotations

import json
from typing import Any

TRUNCATED = "__infra_truncated__"


def _json_safe(value: Any) -> Any:
    # default=repr keeps datetimes, Decimals, model instances... readable instead of crashing.
    return json.loads(json.dumps(value, default=repr))


def bounded_payload(
    args: Any, kwargs: Any, max_bytes: int
) -> tuple[list[Any], dict[str, Any], bool]:
    """Return JSON-safe ``(args, kwargs, truncated)``; over ``max_bytes`` each becomes a marker.

    The marker keeps the size and a prefix of the JSON so an operator can still see what it was.
    """
    try:
        safe_args = _json_safe(list(args or ()))
        safe_kwargs = _json_safe(dict(kwargs or {}))
    except Exception as exc:  # an object whose repr() raises, a non-mapping kwargs...
        marker = {TRUNCATED: True, "error": f"not serialisable: {type(exc).__name__}"}
        return [marker], {}, True
    text = json.dumps([safe_args, safe_kwargs])
    size = len(text.encode())
    if size <= max_bytes:
        return safe_args, safe_kwargs, False
    head = max(0, min(max_bytes, 2000) - 200)
    marker = {TRUNCATED: True, "bytes": size, "limit": max_bytes, "head": text[:head]}
    return [marker], {}, True


def bounded_text(text: str, max_chars: int) -> str:
    """Return ``text`` or its head and tail around a marker (a traceback's tail is the cause)."""
    if len(text) <= max_chars:
        return text
    keep = max(max_chars // 2 - 40, 0)
    cut = len(text) - 2 * keep
    return f"{text[:keep]}\n... [{cut} characters truncated] ...\n{text[len(text) - keep :]}"
