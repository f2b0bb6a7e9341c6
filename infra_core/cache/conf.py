"""The cache concern's ``INFRA_CORE`` keys, declared once (checks ``infra_core.E501``-``E512``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_core import parsers
from infra_core.conf import Setting, SettingError

# The seeds' table: what a preset name means when the project does not redefine it. None: the
# value never expires (embeddings are recomputed only when their input changes).
DEFAULT_TTLS: dict[str, float | None] = {
    "user_plan": 300,
    "metadata": 3600,
    "chat_context": 600,
    "embeddings": None,
    "analytics": 900,
}
TTLS_HINT = 'e.g. {"metadata": 3600, "embeddings": None}: seconds > 0, or None for no expiry.'


def parse_ttl_seconds(value: Any) -> float | None:
    """Return a TTL in seconds (> 0) or None (no expiry); raise SettingError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise SettingError("is not a number of seconds > 0 or None")
    return float(value)


def parse_ttls(value: Any) -> dict[str, float | None]:
    """Return the presets: the defaults updated with the project's ``{name: seconds | None}``."""
    if not isinstance(value, Mapping):
        raise SettingError("is not a dict of preset name -> seconds")
    presets = dict(DEFAULT_TTLS)
    for name, ttl in value.items():
        if not isinstance(name, str) or not name:
            raise SettingError(f"has a preset name {name!r} that is not a non-empty string")
        try:
            presets[name] = parse_ttl_seconds(ttl)
        except SettingError as exc:
            raise SettingError(f"has {name!r}: {ttl!r}, which {exc}") from None
    return presets


CACHE_TTLS: Setting[dict[str, float | None]] = Setting(
    "CACHE_TTLS",
    {},
    parse_ttls,
    "Named TTL presets ({name: seconds | None}) merged over the documented defaults.",
    "infra_core.E501",
    TTLS_HINT,
)
CACHE_DEFAULT_TTL: Setting[float] = Setting(
    "CACHE_DEFAULT_TTL",
    300,
    parsers.number(positive=True),
    "Seconds a value lives when a call gives no ttl.",
    "infra_core.E502",
    "e.g. 300.",
)
CACHE_TTL_JITTER: Setting[float] = Setting(
    "CACHE_TTL_JITTER",
    0.1,
    parsers.number(0.0, 0.5),
    "Each TTL is shortened by a random fraction up to this, so keys set together expire apart.",
    "infra_core.E503",
    "A fraction in [0, 0.5], e.g. 0.1.",
)
CACHE_LOCK_TTL: Setting[float] = Setting(
    "CACHE_LOCK_TTL",
    10.0,
    parsers.number(positive=True),
    "Seconds a single-flight lock lives: a computation slower than this may run twice.",
    "infra_core.E504",
    "Seconds > 0, above the slowest computation, e.g. 10.",
)
CACHE_LOCK_WAIT: Setting[float] = Setting(
    "CACHE_LOCK_WAIT",
    5.0,
    parsers.number(0.0),
    "Seconds a caller waits for another's computation before computing itself.",
    "infra_core.E505",
    "Seconds >= 0, e.g. 5.",
)
CACHE_LOCAL_MAX_ENTRIES: Setting[int] = Setting(
    "CACHE_LOCAL_MAX_ENTRIES",
    10_000,
    parsers.integer(1),
    "Entries the per-process local tier keeps per alias (least recently used go first).",
    "infra_core.E510",
    "An int >= 1, e.g. 10000.",
)
CACHE_LOCAL_MAX_BYTES: Setting[int] = Setting(
    "CACHE_LOCAL_MAX_BYTES",
    64 * 1024 * 1024,
    parsers.integer(1024),
    "Bytes (stored size) the local tier keeps per alias.",
    "infra_core.E511",
    "An int >= 1024, e.g. 67108864 (64 MiB).",
)
CACHE_LOCAL_TTL: Setting[float] = Setting(
    "CACHE_LOCAL_TTL",
    60.0,
    parsers.number(positive=True),
    "Seconds a local-tier entry lives at most (invalidations evict it sooner).",
    "infra_core.E512",
    "Seconds > 0, e.g. 60.",
)
CACHE_INVALIDATION: Setting[Any] = Setting(
    "CACHE_INVALIDATION",
    {},
    parsers.anything,
    '{"app_label.Model": {"keys": [...], "namespaces": [...]}}: what a model change invalidates.',
    None,  # infra_core.cache.system_checks: E506-E508, with the runtime's parser
)

SETTINGS = (
    CACHE_TTLS,
    CACHE_DEFAULT_TTL,
    CACHE_TTL_JITTER,
    CACHE_LOCK_TTL,
    CACHE_LOCK_WAIT,
    CACHE_LOCAL_MAX_ENTRIES,
    CACHE_LOCAL_MAX_BYTES,
    CACHE_LOCAL_TTL,
    CACHE_INVALIDATION,
)
