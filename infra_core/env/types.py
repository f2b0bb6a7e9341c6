"""Parsers from a raw environment string to a typed value, built on django-environ's casts.

Each parser returns the value or raises :class:`Invalid`, whose message says what is wrong and
never contains the value (the report adds the value, masked when secret). No parser interpolates
``$VAR``: values are used exactly as set.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

# Every failure mode a django-environ cast or urllib is known to raise on odd input; a parser
# turns these into Invalid so a bad value is reported, never raised.
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, ImproperlyConfigured)

TRUE_STRINGS: tuple[str, ...] = tuple(environ.Env.BOOLEAN_TRUE_STRINGS)
# django-environ treats every other string as False ("flase" too); only these are accepted.
FALSE_STRINGS: tuple[str, ...] = ("false", "off", "no", "n", "0")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)", re.ASCII)
_BARE_NUMBER = re.compile(r"\d+(?:\.\d+)?", re.ASCII)


class Invalid(ValueError):
    """A raw value does not parse; the message completes "<NAME> ..." without the value."""


def parse_str(raw: str) -> str:
    """Return the string exactly as set (no stripping, no interpolation)."""
    return raw


def parse_int(raw: str) -> int:
    """Return an integer ("42", "-3"); django-environ's cast is ``int()``.

    ASCII only: ``int()`` also reads other scripts' digits ("\uff14\uff12", fullwidth).
    """
    text = raw.strip()
    if not text.isascii():
        raise Invalid("is not an integer")
    try:
        value = environ.Env.parse_value(text, int)
    except ValueError:
        raise Invalid("is not an integer") from None
    return int(value)


def parse_float(raw: str) -> float:
    """Return a finite number.

    django-environ's float cast strips every character that is not a digit, "," or "." (so
    "1e5" becomes 15.0 and "12abc" 12.0): Python's ``float()`` is used instead.
    """
    text = raw.strip()
    if not text.isascii():  # float() also reads other scripts' digits
        raise Invalid("is not a number")
    try:
        value = float(text)
    except ValueError:
        raise Invalid("is not a number") from None
    if not math.isfinite(value):
        raise Invalid("is not a finite number")
    return value


def parse_bool(raw: str) -> bool:
    """Return True/False for django-environ's true strings and their opposites; else Invalid."""
    text = raw.strip().lower()
    if text not in TRUE_STRINGS and text not in FALSE_STRINGS:
        raise Invalid("is not a boolean")
    return bool(environ.Env.parse_value(text, bool))


def parse_url(raw: str) -> str:
    """Return the URL string once it has a scheme, a host and a numeric port if any."""
    try:
        parts = urlparse(raw.strip())
        parts.port  # noqa: B018 - raises ValueError for a non-numeric or out-of-range port
    except ValueError:
        raise Invalid("is not a URL (bad host or port)") from None
    if not parts.scheme or not parts.netloc:
        raise Invalid("is not a URL (no scheme:// or no host)")
    return raw.strip()


def _fragment_problem(raw: str) -> None:
    # An unescaped "#" starts a URL fragment: everything after it (password, host, database)
    # would be silently dropped (joke2k/django-environ#97).
    if "#" in raw:
        raise Invalid("contains '#': in a URL it must be written %23")


def parse_db_url(raw: str) -> dict[str, Any]:
    """Return a DATABASES entry from django-environ's ``Env.db_url_config``."""
    raw = raw.strip()
    _fragment_problem(raw)
    scheme = raw.split(":", 1)[0] if ":" in raw else ""
    if scheme not in environ.Env.DB_SCHEMES:
        raise Invalid("has no known database scheme")
    try:
        with warnings.catch_warnings():
            # django-environ warns (not raises) about URLs it half understands.
            warnings.simplefilter("error")
            config: dict[str, Any] = environ.Env.db_url_config(raw)
    except (*_PARSE_ERRORS, UserWarning):
        raise Invalid("is not a database URL") from None
    if not config.get("NAME") and scheme != "sqlite":
        raise Invalid("has no database name (the path after the host)")
    return config


def parse_cache_url(raw: str) -> dict[str, Any]:
    """Return a CACHES entry from django-environ's ``Env.cache_url_config``."""
    raw = raw.strip()
    _fragment_problem(raw)
    scheme = raw.split(":", 1)[0] if ":" in raw else ""
    if scheme not in environ.Env.CACHE_SCHEMES:
        raise Invalid("has no known cache scheme")
    try:
        parts = urlparse(raw)
        parts.port  # noqa: B018 - raises ValueError for a bad port
        config: dict[str, Any] = environ.Env.cache_url_config(parts)
    except _PARSE_ERRORS:
        raise Invalid("is not a cache URL") from None
    return config


def parse_json(raw: str) -> Any:
    """Return the decoded JSON document (django-environ's cast is ``json.loads``)."""
    try:
        return environ.Env.parse_value(raw, json.loads)
    except json.JSONDecodeError as exc:
        raise Invalid(f"is not valid JSON (line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise Invalid("is JSON nested too deeply") from None
    except ValueError:
        raise Invalid("is not valid JSON") from None


def parse_duration(raw: str) -> timedelta:
    """Return a timedelta from "90" (seconds), "500ms", "30s", "15m", "2h", "7d", "1h30m"."""
    text = raw.strip().lower().replace(" ", "")
    try:
        if _BARE_NUMBER.fullmatch(text):
            return timedelta(seconds=float(text))
        parts = _DURATION_PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise Invalid("is not a duration")
        return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, Invalid):
            raise
        raise Invalid("is too large a duration") from None


def parse_path(raw: str) -> Path:
    """Return an absolute path (django-environ's ``Path`` joins it onto the working dir)."""
    if not raw.strip():
        raise Invalid("is not a path")
    try:
        return Path(str(environ.Path(raw)))
    except _PARSE_ERRORS:
        raise Invalid("is not a path") from None


Parser = Callable[[str], Any]

PARSERS: dict[str, Parser] = {
    "str": parse_str,
    "int": parse_int,
    "float": parse_float,
    "bool": parse_bool,
    "url": parse_url,
    "db_url": parse_db_url,
    "cache_url": parse_cache_url,
    "list": parse_str,  # split by infra_core.env.schema, which parses each item
    "json": parse_json,
    "duration": parse_duration,
    "path": parse_path,
}

# What a value of each type looks like, for messages and the .env.example.
FORMS: dict[str, str] = {
    "str": "a string",
    "int": "an integer, e.g. 8000",
    "float": "a number, e.g. 0.25",
    "bool": "true or false (also on/off, yes/no, 1/0)",
    "url": "a URL, e.g. https://host:443/path",
    "db_url": "a database URL, e.g. postgres://user:password@host:5432/name or sqlite:///path",
    "cache_url": "a cache URL, e.g. redis://host:6379/0 or locmemcache://",
    "list": "comma-separated values, e.g. a,b,c",
    "json": 'a JSON document, e.g. {"key": 1}',
    "duration": "a duration: seconds or <number><ms|s|m|h|d|w>, e.g. 30s, 15m, 1h30m",
    "path": "a filesystem path",
}

HINTS: dict[str, str] = {
    "db_url": "Percent-encode special characters in the password ('#' -> %23, '@' -> %40, "
    f"'/' -> %2F). Schemes: {', '.join(sorted(environ.Env.DB_SCHEMES))}.",
    "cache_url": "Percent-encode special characters in the password. Schemes: "
    f"{', '.join(sorted(environ.Env.CACHE_SCHEMES))}.",
    "url": "Percent-encode special characters in a password ('#' -> %23, '@' -> %40).",
}


def render(kind: str, value: Any) -> str:
    """Return the environment-string form of a typed default (for the .env.example)."""
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "json":
        return json.dumps(value)
    if kind == "duration" and isinstance(value, timedelta):
        return f"{value.total_seconds():g}s"
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)
