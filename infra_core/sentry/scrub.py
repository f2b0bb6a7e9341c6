"""Scrub secrets from a Sentry event: secret-named keys at any depth, secret-shaped values."""

from __future__ import annotations

import re
from typing import Any

from infra_core.logging.filters import REDACTED, is_sensitive, redact_text

_MAX_DEPTH = 12
# Values that are secrets whatever key holds them: JWTs, bearer/basic credentials, PEM blocks,
# common provider key prefixes, and credentials inside URLs (DSNs).
_SHAPES = re.compile(
    r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"
    r"|(?i:bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
    r"|\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}"
    r"|(?<=://)[^\s:/@]+:[^\s@/]+(?=@)"
)


def scrub_text(text: str) -> str:
    """Mask secret-shaped substrings and ``key=value`` secrets inside free text."""
    return redact_text(_SHAPES.sub(REDACTED, text))


def scrub(value: Any, extra: tuple[str, ...] = (), _depth: int = 0) -> Any:
    """Return ``value`` with secrets masked at every depth (dicts, lists, strings)."""
    if _depth > _MAX_DEPTH:
        return "[TRUNCATED]"
    if isinstance(value, dict):
        return {
            k: (
                REDACTED
                if isinstance(k, str) and is_sensitive(k, extra)
                else scrub(v, extra, _depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        # Sentry sends headers and cookies as [name, value] pairs in some places.
        if len(value) == 2 and isinstance(value[0], str) and is_sensitive(value[0], extra):
            return [value[0], REDACTED]
        return [scrub(v, extra, _depth + 1) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value
