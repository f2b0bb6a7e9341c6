"""Rate strings: ``"100/m"``, ``"5/h"``, ``"10/30s"``; ``None`` means unlimited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: The longest window, in seconds (ten years).
MAX_WINDOW = 3650 * 86400
# ASCII only: \d and \s would also match other scripts' digits and Unicode spaces.
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$", re.ASCII)
HINT = 'Use "<count>/<s|m|h|d>" or "<count>/<n><unit>", e.g. "100/m" or "10/30s"; None = unlimited.'


@dataclass(frozen=True, slots=True)
class Rate:
    """``limit`` requests per ``window`` seconds."""

    limit: int
    window: int

    def __str__(self) -> str:
        return f"{self.limit}/{self.window}s"


@lru_cache(maxsize=256)
def _parse(text: str) -> Rate:
    match = _RATE_RE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a rate")
    count, multiplier, unit = match.groups()
    if len(count.lstrip("0")) > 18 or len(multiplier.lstrip("0")) > 18:
        raise ValueError(f"{text[:40]!r} has a count or window out of range")
    limit = int(count)
    window = int(multiplier or 1) * _UNITS[unit]
    if limit < 1:
        raise ValueError(f"{text!r} allows no request (count must be >= 1)")
    if window < 1:
        raise ValueError(f"{text!r} has an empty window")
    if window > MAX_WINDOW:
        # Redis counts in µs as doubles: longer windows lose precision or overflow PEXPIRE.
        raise ValueError(f"{text!r} has a window above {MAX_WINDOW // 86400} days")
    return Rate(limit=limit, window=window)


def parse_rate(value: object) -> Rate | None:
    """Parse a rate string (or pass a Rate through); raise ValueError naming a bad value."""
    if value is None or isinstance(value, Rate):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is a {type(value).__name__}, not a rate string")
    return _parse(value)
