"""Settings of logging and the access log (1xx)."""

from __future__ import annotations

from typing import Any

from infra_core.conf import Setting
from infra_core.parsers import number, strings

LIST_HINT = 'Use a list, e.g. ["/health/"] or ["ssn", "iban"].'


def lowered(value: Any) -> tuple[str, ...]:
    """A list of strings, lowercased (matched case-insensitively)."""
    return tuple(key.lower() for key in strings(value))


ACCESS_LOG_SLOW_MS: Setting[float] = Setting(
    "ACCESS_LOG_SLOW_MS",
    1000,
    number(positive=True),
    "Access-log lines for requests slower than this many milliseconds get ``slow: true``.",
    "infra_core.E103",
    "Give the slow-request threshold in milliseconds, e.g. 1000.",
)
ACCESS_LOG_SKIP_PATHS: Setting[tuple[str, ...]] = Setting(
    "ACCESS_LOG_SKIP_PATHS",
    ["/health/", "/ready/", "/live/", "/metrics"],
    strings,
    "Path prefixes the access log skips (probes and scrapes are noise).",
    "infra_core.E104",
    LIST_HINT,
)
LOG_REDACT_KEYS: Setting[tuple[str, ...]] = Setting(
    "LOG_REDACT_KEYS",
    [],
    lowered,
    "Extra key fragments whose values are redacted in log records (case-insensitive substring).",
    "infra_core.E104",
    LIST_HINT,
)

SETTINGS = (ACCESS_LOG_SLOW_MS, ACCESS_LOG_SKIP_PATHS, LOG_REDACT_KEYS)
