"""Parsers for ``Setting`` declarations: each returns the typed value or raises SettingError.

The message completes "INFRA_CORE['KEY'] = <value> ...", e.g. "is not a bool".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from infra_core.conf import SettingError

T = TypeVar("T")
Parser = Callable[[Any], T]


def boolean(value: Any) -> bool:
    """Accept only True or False: the string "false" is an error, never truthy."""
    if isinstance(value, bool):
        return value
    raise SettingError("is not a bool (use True or False)")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser[int]:
    """An int (not a bool) within the bounds."""

    def parse(value: Any) -> int:
        if not _is_int(value) or not _within(value, minimum, maximum):
            raise SettingError(f"is not {_bounded('an int', minimum, maximum)}")
        return int(value)

    return parse


def number(
    minimum: float | None = None, maximum: float | None = None, *, positive: bool = False
) -> Parser[float]:
    """An int or float (not a bool) within the bounds; ``positive`` excludes zero."""

    def parse(value: Any) -> float:
        ok = _is_number(value) and _within(value, minimum, maximum) and (value > 0 or not positive)
        if not ok:
            what = "a positive number" if positive else "a number"
            raise SettingError(f"is not {_bounded(what, minimum, maximum)}")
        return float(value)

    return parse


def _within(value: float, minimum: float | None, maximum: float | None) -> bool:
    return (minimum is None or value >= minimum) and (maximum is None or value <= maximum)


def _bounded(what: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{what} in [{minimum}, {maximum}]"
    if minimum is not None:
        return f"{what} >= {minimum}"
    if maximum is not None:
        return f"{what} <= {maximum}"
    return what


def string(*, empty: bool = False) -> Parser[str]:
    """A str; empty only when ``empty``."""

    def parse(value: Any) -> str:
        if not isinstance(value, str) or (not empty and not value):
            raise SettingError("is not a non-empty string" if not empty else "is not a string")
        return value

    return parse


def optional(inner: Parser[T]) -> Parser[T | None]:
    """None, or what ``inner`` accepts."""

    def parse(value: Any) -> T | None:
        return None if value is None else inner(value)

    return parse


def choice(*options: str) -> Parser[str]:
    """One of ``options``."""

    def parse(value: Any) -> str:
        if value not in options:
            raise SettingError(f"is not one of {', '.join(repr(o) for o in options)}")
        return str(value)

    return parse


def strings(value: Any) -> tuple[str, ...]:
    """A list or tuple of strings, returned as a tuple."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise SettingError("is not a list of strings")
    return tuple(value)


def mapping(value: Any) -> dict[str, Any]:
    """A dict (its entries are validated by the concern's own check), returned as a copy."""
    if not isinstance(value, Mapping):
        raise SettingError("is not a dict")
    return dict(value)


def anything(value: T) -> T:
    """Accept the value as it is (the concern's own check validates it)."""
    return value


def token(min_length: int) -> Parser[str | None]:
    """None (no token access), or a string of at least ``min_length`` characters."""

    def parse(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) < min_length:
            raise SettingError(f"is not a string of at least {min_length} characters")
        return value

    return parse


def path_prefixes(value: Any) -> tuple[str, ...]:
    """A list of URL path prefixes, each starting with "/"."""
    if not isinstance(value, list | tuple) or not all(
        isinstance(p, str) and p.startswith("/") for p in value
    ):
        raise SettingError("is not a list of path prefixes")
    return tuple(value)


def cache_alias(value: Any) -> str:
    """An alias of ``settings.CACHES`` (read at call time)."""
    from django.conf import settings

    if not isinstance(value, str) or value not in settings.CACHES:
        raise SettingError("is not a cache alias in CACHES")
    return value


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# ASCII digits only: int() would also take "\uff19\uff10s" (fullwidth) or other scripts' digits.
_DURATION_RE = re.compile(r"^(\d+)([smhdw])$", re.ASCII)
#: The longest age: ``now - age`` must stay a date (an overflow would be a traceback).
MAX_AGE_DAYS = 36_500


DURATION_FORM = "<number><s|m|h|d|w>, e.g. 90s, 30m, 2h, 7d"


def age(value: Any) -> timedelta:
    """An age written "<number><s|m|h|d|w>" ("90s", "30d"; "0d" allowed); the one text form."""
    match = _DURATION_RE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise SettingError(f"is not a duration (use {DURATION_FORM})")
    digits = match[1].lstrip("0") or "0"
    if len(digits) > 12 or int(digits) * _DURATION_UNITS[match[2]] > MAX_AGE_DAYS * 86400:
        raise SettingError(f"is longer than {MAX_AGE_DAYS} days")
    return timedelta(seconds=int(digits) * _DURATION_UNITS[match[2]])


def duration(value: Any) -> timedelta:
    """A positive duration: "<number><s|m|h|d|w>" (e.g. "90s", "30d") or a timedelta."""
    parsed = value if isinstance(value, timedelta) else age(value)
    if parsed <= timedelta(0):
        raise SettingError("is not a positive duration")
    return parsed
