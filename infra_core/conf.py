"""The only reader of ``settings.INFRA_CORE``.

Each concern declares its keys once, as :class:`Setting` entries in its own ``conf.py`` (name,
default, parser, doc line, check ID); the concern registry (``infra_core.concerns``) hands them to
:func:`declare` from ``AppConfig.ready()``. ``Setting.value`` parses the user's value at call time
(never at import) with the same parser the system check calls, so the runtime and
``manage.py check`` can never disagree. Parsed values are cached until Django reports a settings
change (``override_settings``, the pytest-django ``settings`` fixture).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

# Declared settings by name, filled by declare() (the concern registry calls it in ready()).
DECLARED: dict[str, Setting[Any]] = {}
# Name -> default of every declared setting (a view kept in step with DECLARED).
DEFAULTS: dict[str, Any] = {}
# Keys that existed once and were removed: old name -> what to use instead.
REMOVED: dict[str, str] = {}

# Parsed values and the user's dict, cleared whenever INFRA_CORE changes. Reading settings per
# call cost ~1 µs a key on every request.
_resolved: dict[str, Any] = {}
_USER = "__user_settings__"
_MISSING = object()


class SettingError(ValueError):
    """A setting's value cannot be used; the message says what is wrong with it."""


@dataclass(frozen=True, eq=False)
class Setting(Generic[T]):
    """One ``INFRA_CORE`` key: its default, the parser both runtime and checks call, its docs."""

    name: str
    default: Any
    parse: Callable[[Any], T]
    doc: str
    # The check ID reported when ``parse`` rejects the value; None: the concern's own system
    # check validates this key (deep structures with several IDs of their own).
    check_id: str | None = None
    hint: str = ""
    # Never show the value in messages (tokens, keys): only its type and length.
    secret: bool = False

    def raw(self) -> Any:
        """Return the user's value of this key, or the default when unset."""
        value = user_settings().get(self.name, _MISSING)
        return self.default if value is _MISSING else value

    @property
    def value(self) -> T:
        """Return the parsed value; raise ImproperlyConfigured (the check's message) if bad."""
        try:
            return _resolved[self.name]  # type: ignore[no-any-return]
        except KeyError:
            pass
        raw = self.raw()
        try:
            parsed = self.parse(raw)
        except (SettingError, TypeError, ValueError) as exc:
            raise ImproperlyConfigured(self.describe(raw, exc)) from None
        _resolved[self.name] = parsed
        return parsed

    def problem(self) -> str | None:
        """Return what is wrong with the configured value (the check's message), or None."""
        raw = self.raw()
        try:
            self.parse(raw)
        except (SettingError, TypeError, ValueError) as exc:
            return self.describe(raw, exc)
        return None

    def describe(self, raw: Any, exc: Exception) -> str:
        """Return the message naming this key, the offending value and what is wrong."""
        return f"INFRA_CORE[{self.name!r}] = {self.show(raw)} {exc}."

    def show(self, raw: Any) -> str:
        """Return ``raw`` as messages may show it (masked when the setting is secret)."""
        if self.secret and isinstance(raw, str):
            return f"<{len(raw)} characters>"
        return repr(raw)  # a non-string is no usable secret: show it to explain the error


def declare(*table: Setting[Any]) -> None:
    """Add settings to the merged table; a name declared twice by different tables is a bug."""
    for setting in table:
        known = DECLARED.get(setting.name)
        if known is not None and known is not setting:
            raise ImproperlyConfigured(f"infra_core setting {setting.name!r} is declared twice")
        DECLARED[setting.name] = setting
        DEFAULTS[setting.name] = setting.default
    _resolved.clear()


def user_settings() -> Mapping[str, Any]:
    """Return the project's ``INFRA_CORE`` dict (empty when unset or not a dict)."""
    try:
        return _resolved[_USER]  # type: ignore[no-any-return]
    except KeyError:
        value = getattr(settings, "INFRA_CORE", {})
        user = value if isinstance(value, Mapping) else {}
        _resolved[_USER] = user
        return user


def reset_cache(*, setting: str | None = None, **kwargs: Any) -> None:
    """Forget parsed settings (a ``setting_changed`` receiver; call it after editing settings)."""
    if setting is None or setting == "INFRA_CORE":
        _resolved.clear()


def suggest(key: str) -> str | None:
    """Return the closest declared key to ``key``, for "did you mean" hints."""
    matches = difflib.get_close_matches(key, DEFAULTS, n=1, cutoff=0.6)
    return matches[0] if matches else None


class AppSettings:
    """Access by name to the declared settings: ``app_settings.get("KEY")`` or ``.key``."""

    def get(self, key: str) -> Any:
        """Return the parsed value of ``key`` (its default when unset)."""
        try:
            return _resolved[key]
        except KeyError:
            pass
        try:
            setting = DECLARED[key]
        except KeyError:
            raise KeyError(f"Unknown infra_core setting {key!r}") from None
        return setting.value

    def __getattr__(self, name: str) -> Any:
        key = name.upper()
        if key in DECLARED:
            return self.get(key)
        raise AttributeError(name)


app_settings = AppSettings()
